"""The bare SQL of a booking with its calling letter, captured from the service and replayed.

capture() books slots through `booking.service.book` (the letters' subscriber writing the
calling letter, as in the measured phase) and records, through a SQLAlchemy
`before_cursor_execute` listener, every statement each booking transaction sends with its
parameters, and (after_cursor_execute) the rows each statement returned. Each transaction is
then rolled back, so its slot is free again and the capture leaves nothing behind.

replay() sends those statements through the driver (psycopg, no SQLAlchemy, no Python domain
code), one committed transaction per captured booking, from as many processes and threads as
the measured phase. Rows inserted in a transaction get new ids on replay; the ids that a
captured statement returned are mapped to the ones the replay gets, and later parameters are
rewritten. To make that mapping unambiguous, capture first moves every sequence to a range of
its own above ID_FLOOR, so a new row's id can never equal a patient's, a slot's or another
table's id.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from benchmarks._common import fork_and_gather
from kulisser.booking import service as booking
from kulisser.db import Database
from kulisser.staff.actor import Actor

ID_FLOOR = 1_000_000_000
SEQUENCE_SPACING = 10_000_000


@dataclass
class Statement:
    """One statement as the app sent it, and what it returned (None: no result rows)."""

    sql: str
    params: Any
    many: bool
    rows: list[tuple[Any, ...]] | None = None


@dataclass
class Transaction:
    """The statements of one booking, in order."""

    statements: list[Statement] = field(default_factory=list)


def spread_sequences(db: Database) -> None:
    """Move each sequence to a range of its own above ID_FLOOR (new ids tell themselves apart)."""
    with db.engine.begin() as conn:
        names = list(conn.execute(text("SELECT schemaname || '.' || sequencename FROM pg_sequences "
                                       "ORDER BY 1")).scalars())
        for n, name in enumerate(names):
            floor = ID_FLOOR + n * SEQUENCE_SPACING
            conn.execute(text("SELECT setval(:s, greatest(:f, (SELECT last_value FROM "
                              f"{name})))"), {"s": name, "f": floor})


def capture(db: Database, actor: Actor, work: list[tuple[int, int]], *, now: Any) -> list[Transaction]:
    """Book each (slot, patient) through the service, record its SQL, and roll it back."""
    spread_sequences(db)
    current: list[Statement] = []

    def before(_conn: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        # SQLAlchemy's "insert many values" batches report executemany but send one statement
        # with one mapping of parameters: that is an execute for the driver.
        current.append(Statement(statement, params, many and not isinstance(params, dict)))

    def after(_conn: Any, cursor: Any, _statement: str, _params: Any, _ctx: Any, _many: bool) -> None:
        if not current[-1].many and cursor.description is not None:
            # A client-side psycopg cursor holds its rows: read them, then rewind for SQLAlchemy.
            current[-1].rows = [tuple(r) for r in cursor.fetchall()]
            if current[-1].rows:
                cursor.scroll(0, mode="absolute")

    captured = []
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        for slot_id, patient_id in work:
            current.clear()
            with db.sessions() as session:
                booking.book(session, actor=actor, slot_id=slot_id, patient_id=patient_id, now=now)
                session.flush()  # what the commit would still send (before 2026-12-05 it was left out)
                session.rollback()
            captured.append(Transaction([s for s in current if s.sql.strip().upper() not in
                                         ("BEGIN", "COMMIT", "ROLLBACK")]))
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    return captured


def _remap(value: Any, ids: dict[int, int]) -> Any:
    """A parameter with every captured new id replaced by the replay's (ints, and id strings)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return ids.get(value, value)
    if isinstance(value, str) and value.isdigit() and len(value) >= 10:
        return str(ids.get(int(value), value))
    if isinstance(value, dict):
        return {k: _remap(v, ids) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_remap(v, ids) for v in value)
    return value


def replay_one(conn: Any, txn: Transaction) -> None:
    """Send one booking's statements in one transaction and commit it."""
    ids: dict[int, int] = {}
    with conn.cursor() as cur:
        for st in txn.statements:
            params = _remap(st.params, ids) if ids else st.params
            if st.many:
                cur.executemany(st.sql, params)
                continue
            cur.execute(st.sql, params)
            if st.rows is None:
                continue
            got = cur.fetchall()
            for old_row, new_row in zip(st.rows, got, strict=False):
                for old, new in zip(old_row, new_row, strict=False):
                    if isinstance(old, int) and not isinstance(old, bool) and old >= ID_FLOOR:
                        ids[old] = new
    conn.commit()


def _driver_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _replay_all(url: str, work: list[Transaction], threads: int, start: Any, results: Any) -> None:
    """One process: `threads` threads replay the given transactions; put the figures on `results`."""
    lock = threading.Lock()
    next_index = iter(range(len(work)))
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []

    def worker() -> None:
        with psycopg.connect(_driver_url(url)) as conn:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    break
                t0 = time.perf_counter()
                try:
                    replay_one(conn, work[i])
                    outcome = "won"
                except Exception as exc:  # shown: a replay must not fail
                    conn.rollback()
                    outcome = "error"
                    with lock:
                        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                took = time.perf_counter() - t0
                with lock:
                    outcomes[outcome] += 1
                    latencies.append(took)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    start.wait()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((dict(outcomes), latencies, errors))


def replay(url: str, txns: list[Transaction], *, processes: int, threads: int) -> dict[str, Any]:
    """Replay every captured booking once, committed, from processes x threads connections."""
    found = fork_and_gather(_replay_all, [(url, txns[k::processes], threads)
                                          for k in range(processes)])
    return {"attempts": len(txns), **found}


def describe(txn: Transaction) -> list[str]:
    """One line per statement of a transaction (its first words), for the profile."""
    lines = []
    for st in txn.statements:
        words = " ".join(st.sql.split())
        lines.append(("executemany " if st.many else "") + words[:110])
    return lines
