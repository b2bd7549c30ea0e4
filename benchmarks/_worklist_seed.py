"""Seed a realistic, large worklist fast: units, staff, patients, care relations, work items.

40 care units with 6 secretaries, a manager and 3 clinicians each; 20,000 patients, each with a
care relation to a home unit (a tenth also to a second one); N work items spread evenly over
the units, about 90 % closed (history) and 10 % open, the open ones split between their owners
and the unit's queue, with call-backs pointing at their phone messages. PostgreSQL gets
set-based INSERT ... SELECT FROM generate_series in chunks; SQLite gets executemany batches
from a Python generator with the same distribution.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

from sqlalchemy import func, insert, select, text
from tqdm import tqdm

from kulisser.db import Database, utcnow
from kulisser.patients.models import CareRelation, Patient
from kulisser.reception.models import PhoneMessage
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import OPEN_STATUSES

UNITS = 40
PATIENTS = 20_000
SECRETARIES = 6  # per unit; the benchmark secretary is the first of her unit's
HER_USERNAME = "bench.sekreterare"
P_OPEN = 0.10
P_CALLBACK = 0.45
CHUNK_PG = 100_000
CHUNK_SQLITE = 20_000
PASSWORD = "benchmark-password"  # noqa: S105 - throwaway data, never logged in with

UNIT_NAMES = ["Medicinmottagningen", "Kirurgmottagningen", "Ortopedmottagningen",
              "Hudmottagningen", "Ögonmottagningen", "Öron-näsa-hals", "Barnmottagningen",
              "Kvinnokliniken", "Hjärtmottagningen", "Lungmottagningen"]
GIVEN = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per",
         "Lena", "Mikael", "Kerstin", "Nils", "Ingrid", "Olof", "Åsa", "Jörgen", "Elin", "Gustav"]
FAMILY = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
          "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
          "Bengtsson", "Lindqvist", "Björk", "Åberg", "Sjöberg", "Wallin"]
TASK_TITLES = ["Skicka remiss till röntgen", "Boka återbesök", "Skriva epikris",
               "Beställa journalkopia", "Kalla till provtagning", "Skicka intyg till FK",
               "Svara på remiss", "Makulera dubbelbokning"]
MESSAGES = ["Vill ha besked om provsvar.", "Undrar över tid för återbesök.",
            "Behöver förnyat recept.", "Frågar om remissen har kommit fram.",
            "Vill omboka sin tid.", "Har frågor om sin medicinering."]


@dataclass
class Seeded:
    """What the benchmark needs to know about the seeded data."""

    user_id: int
    unit_id: int
    token: str
    cookie: str
    expected: int  # her open items plus her unit's open queue
    unit_items: int


def _personnummer(i: int) -> str:
    """A valid, unique 12-digit personnummer for patient number i."""
    born = date(1930, 1, 1) + timedelta(days=i % 25_000)
    body = born.strftime("%y%m%d") + f"{(i // 25_000) % 1000:03d}"
    digits = [int(c) * (2 - k % 2) for k, c in enumerate(body)]
    check = (10 - sum(d // 10 + d % 10 for d in digits) % 10) % 10
    return born.strftime("%Y")[:2] + body + str(check)


def _units_and_staff(db: Database) -> tuple[list[int], list[list[int]]]:
    """Create the units and their staff through the staff service; return unit and secretary ids."""
    unit_ids: list[int] = []
    secretaries: list[list[int]] = []
    # One argon2 hash for all 400 users: nobody logs in by password here, and 400 hashes
    # would cost minutes on two cores.
    hashed = staff.hash_password(PASSWORD)
    with db.session() as s, mock.patch.object(staff, "hash_password", lambda _pw: hashed):
        for u in tqdm(range(UNITS), desc="units and staff", unit="unit"):
            unit = staff.create_unit(s, hsa_id=f"SE2321000016-B{u:04d}",
                                     name=f"{UNIT_NAMES[u % len(UNIT_NAMES)]} {u // len(UNIT_NAMES) + 1}")
            unit_ids.append(unit.id)
            people = [("secretary", f"sekr{k}") for k in range(SECRETARIES)]
            people += [("manager", "chef"), *[("clinician", f"lak{k}") for k in range(3)]]
            secs = []
            for k, (role, tag) in enumerate(people):
                name = f"{GIVEN[(u + k) % len(GIVEN)]} {FAMILY[(u * 3 + k) % len(FAMILY)]}"
                username = HER_USERNAME if (u, k) == (0, 0) else f"{tag}.u{u}"
                user = staff.create_user(s, username=username, full_name=name, role=role,
                                         password=PASSWORD, unit_ids=[unit.id])
                if role == "secretary":
                    secs.append(user.id)
            secretaries.append(secs)
    return unit_ids, secretaries


def _patients(db: Database, unit_ids: list[int], now: datetime) -> None:
    """Patients with explicit ids 1..P, patient i at home in unit i % UNITS (1/10 also next)."""
    rnd = random.Random(7)
    patients, relations = [], []
    for i in range(PATIENTS):
        given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
        patients.append({
            "id": i + 1, "id_kind": "personnummer", "id_value": _personnummer(i),
            "given_name": given, "family_name": family, "search_name": f"{family} {given}".lower(),
            "address": f"Storgatan {i % 90 + 1}", "postal_code": f"{11000 + i % 8000}",
            "city": "Uppsala", "phone": f"070-{i:07d}", "protected_identity": i % 100 == 0,
            "created_at": now - timedelta(days=2000)})
        home = i % UNITS
        relations.append({"unit_id": unit_ids[home], "patient_id": i + 1,
                          "started_at": now - timedelta(days=1500)})
        if i % 10 == 0:
            relations.append({"unit_id": unit_ids[(home + 1) % UNITS], "patient_id": i + 1,
                              "started_at": now - timedelta(days=400)})
    with db.session() as s:
        for start in tqdm(range(0, PATIENTS, 5000), desc="patients", unit="batch"):
            s.execute(insert(Patient), patients[start:start + 5000])
        s.execute(insert(CareRelation), relations)


def _arr(values: list[Any]) -> str:
    """A PostgreSQL ARRAY literal of constants (ints, or strings quoted here)."""
    return "ARRAY[" + ", ".join(
        str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _pg_chunk_sql(unit_ids: list[int], secretaries: list[list[int]]) -> str:
    staff_arr = "ARRAY[" + ", ".join(_arr(s) for s in secretaries) + "]"
    callers = [f"{g} {f}" for g, f in zip(GIVEN, FAMILY, strict=True)]
    pick = "[floor({r} * {n})::int + 1]"
    return f"""
WITH r AS MATERIALIZED (
  SELECT g, mod(g, {UNITS})::int AS u, random() AS r_kind, random() AS r_open, random() AS r_st,
         random() AS r_own, random() AS r_who, random() AS r_prio, random() AS r_pat,
         random() AS r_pid, random() AS r_t1, random() AS r_t2, random() AS r_t3,
         random() AS r_title, random() AS r_by
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
), s AS MATERIALIZED (
  SELECT g, u, r_own, r_who, r_t2, r_t3, r_title,
    CASE WHEN r_kind < {P_CALLBACK} THEN 'callback' ELSE 'task' END AS kind,
    r_open < {P_OPEN} AS is_open,
    CASE WHEN r_open < {P_OPEN} THEN
           CASE WHEN r_st < 0.45 THEN 'requested' WHEN r_st < 0.70 THEN 'accepted'
                WHEN r_st < 0.90 THEN 'in-progress' ELSE 'on-hold' END
         ELSE CASE WHEN r_st < 0.85 THEN 'completed' WHEN r_st < 0.95 THEN 'cancelled'
                   ELSE 'entered-in-error' END END AS status,
    CASE WHEN r_prio < 0.05 THEN 'acute' WHEN r_prio < 0.25 THEN 'high'
         WHEN r_prio < 0.85 THEN 'normal' ELSE 'low' END AS priority,
    CASE WHEN r_pat < (CASE WHEN r_kind < {P_CALLBACK} THEN 0.95 ELSE 0.85 END)
         THEN 1 + u + {UNITS} * floor(r_pid * {PATIENTS // UNITS})::int END AS patient_id,
    ({_arr(unit_ids)})[u + 1] AS unit_id,
    ({staff_arr})[u + 1]{pick.format(r="r_by", n=SECRETARIES)} AS created_by_id,
    CASE WHEN r_open < {P_OPEN} THEN %(now)s - interval '5 days' * r_t1
         ELSE %(now)s - interval '1 day' * (3 + r_t1 * 1092) END AS created_at
  FROM r
), t AS MATERIALIZED (
  SELECT s.*,
    CASE WHEN is_open THEN %(now)s + interval '1 day' * (r_t2 * 17 - 3)
         ELSE created_at + interval '1 day' * (0.1 + r_t2 * 10) END AS due_at,
    CASE WHEN NOT is_open THEN least(created_at + interval '1 day' * (r_t3 * 12), %(now)s)
         END AS closed_at,
    CASE WHEN status = 'requested' AND r_own < 0.6 THEN NULL
         WHEN status = 'cancelled' AND r_own < 0.3 THEN NULL
         ELSE ({staff_arr})[u + 1]{pick.format(r="r_who", n=SECRETARIES)} END AS owner_id,
    ({_arr(callers)}){pick.format(r="r_title", n=len(callers))} AS caller,
    ({_arr(MESSAGES)}){pick.format(r="r_t3", n=len(MESSAGES))} AS message
  FROM s
), pm AS (
  INSERT INTO phone_message (id, unit_id, patient_id, caller_name, caller_relation, phone, message,
                             call_back_by, taken_by_id, taken_at)
  SELECT g, unit_id, patient_id, caller,
         CASE WHEN patient_id IS NULL THEN 'colleague' ELSE 'patient' END,
         '070-' || lpad(mod(g, 10000000)::text, 7, '0'), message, due_at, created_by_id, created_at
  FROM t WHERE kind = 'callback'
)
INSERT INTO work_item (id, kind, patient_id, unit_id, owner_id, priority, status, due_at, title,
                       description, ref_type, ref_id, created_at, created_by_id, updated_at,
                       closed_at, status_before_hold)
SELECT g, kind, patient_id, unit_id, owner_id, priority, status, due_at,
       CASE WHEN kind = 'callback' THEN 'Ring tillbaka: ' || caller
            ELSE ({_arr(TASK_TITLES)}){pick.format(r="r_title", n=len(TASK_TITLES))} END,
       CASE WHEN kind = 'callback' THEN message ELSE '' END,
       CASE WHEN kind = 'callback' THEN 'phone_message' END,
       CASE WHEN kind = 'callback' THEN g END,
       created_at, created_by_id, coalesce(closed_at, created_at), closed_at,
       CASE WHEN status = 'on-hold' THEN 'accepted' END
FROM t
"""


def _py_rows(g: int, rnd: random.Random, now: datetime, unit_ids: list[int],
             secretaries: list[list[int]]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Work item number g (and its phone message) with the same distribution as the SQL."""
    r = [rnd.random() for _ in range(13)]
    r_kind, r_open, r_st, r_own, r_who, r_prio, r_pat, r_pid, r_t1, r_t2, r_t3, r_title, r_by = r
    u = g % UNITS
    kind = "callback" if r_kind < P_CALLBACK else "task"
    is_open = r_open < P_OPEN
    if is_open:
        status = ("requested" if r_st < 0.45 else "accepted" if r_st < 0.70
                  else "in-progress" if r_st < 0.90 else "on-hold")
        created = now - timedelta(days=5 * r_t1)
        due = now + timedelta(days=r_t2 * 17 - 3)
        closed = None
    else:
        status = "completed" if r_st < 0.85 else "cancelled" if r_st < 0.95 else "entered-in-error"
        created = now - timedelta(days=3 + r_t1 * 1092)
        due = created + timedelta(days=0.1 + r_t2 * 10)
        closed = min(created + timedelta(days=r_t3 * 12), now)
    priority = ("acute" if r_prio < 0.05 else "high" if r_prio < 0.25
                else "normal" if r_prio < 0.85 else "low")
    has_patient = r_pat < (0.95 if kind == "callback" else 0.85)
    patient_id = 1 + u + UNITS * int(r_pid * (PATIENTS // UNITS)) if has_patient else None
    unit_id = unit_ids[u]
    created_by = secretaries[u][int(r_by * SECRETARIES)]
    unowned = (status == "requested" and r_own < 0.6) or (status == "cancelled" and r_own < 0.3)
    owner = None if unowned else secretaries[u][int(r_who * SECRETARIES)]
    caller = f"{GIVEN[int(r_title * len(GIVEN))]} {FAMILY[int(r_title * len(FAMILY))]}"
    message = MESSAGES[int(r_t3 * len(MESSAGES))]
    item = {"id": g, "kind": kind, "patient_id": patient_id, "unit_id": unit_id, "owner_id": owner,
            "priority": priority, "status": status, "due_at": due,
            "title": ("Ring tillbaka: " + caller if kind == "callback"
                      else TASK_TITLES[int(r_title * len(TASK_TITLES))]),
            "description": message if kind == "callback" else "",
            "ref_type": "phone_message" if kind == "callback" else None,
            "ref_id": g if kind == "callback" else None, "created_at": created,
            "created_by_id": created_by, "updated_at": closed or created, "closed_at": closed,
            "status_before_hold": "accepted" if status == "on-hold" else None}
    if kind != "callback":
        return item, None
    return item, {"id": g, "unit_id": unit_id, "patient_id": patient_id, "caller_name": caller,
                  "caller_relation": "patient" if has_patient else "colleague",
                  "phone": f"070-{g % 10_000_000:07d}", "message": message, "call_back_by": due,
                  "taken_by_id": created_by, "taken_at": created}


def _work_items(db: Database, items: int, unit_ids: list[int], secretaries: list[list[int]],
                now: datetime) -> None:
    if db.is_postgres:
        sql = _pg_chunk_sql(unit_ids, secretaries)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            with tqdm(total=items, desc="work items", unit="item", unit_scale=True) as bar:
                for lo in range(1, items + 1, CHUNK_PG):
                    hi = min(lo + CHUNK_PG - 1, items)
                    cur.execute(sql, {"lo": lo, "hi": hi, "now": now})
                    raw.commit()
                    bar.update(hi - lo + 1)
            for table in ("patient", "work_item", "phone_message"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
            raw.commit()
        finally:
            raw.close()
        with (db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
              tqdm(total=1, desc="VACUUM ANALYZE", bar_format="{desc}: {elapsed}") as bar):
            conn.execute(text("VACUUM ANALYZE"))
            bar.update()
        return
    rnd = random.Random(11)
    with tqdm(total=items, desc="work items", unit="item", unit_scale=True) as bar:
        for lo in range(1, items + 1, CHUNK_SQLITE):
            hi = min(lo + CHUNK_SQLITE - 1, items)
            rows = [_py_rows(g, rnd, now, unit_ids, secretaries) for g in range(lo, hi + 1)]
            with db.session() as s:
                s.execute(insert(PhoneMessage), [m for _, m in rows if m is not None])
                s.execute(insert(WorkItem), [i for i, _ in rows])
            bar.update(hi - lo + 1)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def seed(db: Database, *, items: int, fill: Callable[..., None] | None = None) -> Seeded:
    """Fill an empty, migrated database and log the benchmark secretary in (token and cookie).

    `fill` replaces the work items' loader (same arguments as `_work_items`): the overview
    benchmark's three years of history (`_overview_seed.fill`) on the same units and people.
    """
    now = utcnow().replace(microsecond=0)
    assert now.tzinfo is UTC
    unit_ids, secretaries = _units_and_staff(db)
    _patients(db, unit_ids, now)
    (fill or _work_items)(db, items, unit_ids, secretaries, now)
    return login(db)


def login(db: Database) -> Seeded:
    """Give the benchmark secretary (of a seeded database) a new API token and login session."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == HER_USERNAME))
        if user is None:
            raise LookupError(f"no user {HER_USERNAME}: this database was not seeded by the benchmark")
        her_id, her_unit = user.id, min(m.unit_id for m in user.memberships)
        token = staff.create_api_token(s, user=user, unit_id=her_unit, label="benchmark")
        cookie, _row = staff.start_session(s, user=user)
        open_ = [st.value for st in OPEN_STATUSES]
        expected = s.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.unit_id == her_unit, WorkItem.status.in_(open_),
            (WorkItem.owner_id == her_id) | WorkItem.owner_id.is_(None))) or 0
        unit_items = s.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.unit_id == her_unit)) or 0
    return Seeded(user_id=her_id, unit_id=her_unit, token=token, cookie=cookie, expected=expected,
                  unit_items=unit_items)
