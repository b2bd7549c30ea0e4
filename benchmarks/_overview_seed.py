"""Seed three years of a region's work for the overview benchmark (issue 15 item 7), set-based.

Builds on ``_worklist_seed`` (the same 40 units, staff and patients, and its ``login``), but
the work items have a history's shape: three years ending now with a weekly rhythm (a
weekend day gets a third of a weekday's work), a backlog whose age thins out over months, turnaround with
a long tail, a share overdue, owners and the unit's queue, and each item's ``work_item_event``
rows as ``kulisser.worklist`` writes them (created, claimed, handed over for some, due changed
for some, started, on hold, completed or cancelled or entered in error: the same types, statuses
and ``data``). The dictation kind's items (``ref_type`` "dictation") each have their dictation
and its ``dictation_event`` history as ``kulisser.dictation`` writes it (uploaded, draft ready,
review started, returned, sent for signature, signed, cancelled); call-backs their phone message.

PostgreSQL only: per chunk of ids one temporary table of random draws, then one INSERT ...
SELECT per table. A fresh database loads with its secondary indexes dropped and foreign-key
triggers off (``session_replication_role``); the indexes are rebuilt after the load.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import text
from tqdm import tqdm

from benchmarks import _worklist_seed as base
from kulisser.db import Database
from kulisser.stats.aggregate import local_day

CHUNK = 200_000
YEARS_DAYS = 3 * 365 + 1
P_DICTATION, P_CALLBACK = 0.30, 0.35  # the rest are tasks
BIG_TABLES = ("work_item", "work_item_event", "phone_message", "dictation", "dictation_event")

ISO = """to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""

# One chunk's draws and derived columns. %(...)s are the driver's parameters; {...} are Python's.
DRAWS = """
CREATE TEMP TABLE seed_t ON COMMIT DROP AS
-- MATERIALIZED: an inlined CTE repeats its expressions at every use (the time zone arithmetic
-- of created_at ran dozens of times a row: 35 s for 200,000 rows instead of a few).
WITH r AS (
  SELECT g, mod(g, {units})::int AS u, random() AS r_kind, random() AS r_day, random() AS r_wk,
         random() AS r_tod, random() AS r_open, random() AS r_st, random() AS r_turn,
         random() AS r_prio, random() AS r_pat, random() AS r_pid, random() AS r_who,
         random() AS r_who2, random() AS r_by, random() AS r_ho, random() AS r_due,
         random() AS r_own, random() AS r_start, random() AS r_sign, random() AS r_draft,
         random() AS r_cli
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
), d AS (
  SELECT r.*, floor(r_day * {days})::int AS back0 FROM r
), b AS (
  -- The weekly rhythm: 85 per cent of what would fall on a Saturday or Sunday is drawn again
  -- (from r_wk itself, rescaled): a weekend day gets about a third of a weekday's work.
  SELECT d.*, CASE WHEN r_wk < 0.85 AND extract(isodow FROM %(today)s::date - back0) >= 6
                   THEN floor(r_wk / 0.85 * {days})::int ELSE back0 END AS back
  FROM d
), c AS MATERIALIZED (
  SELECT b.*,
    least(((%(today)s::date - back)::timestamp AT TIME ZONE 'Europe/Stockholm')
            + interval '7 hours' + interval '10 hours' * r_tod,
          %(now)s - interval '1 minute' * (1 + r_tod * 30)) AS created_at,
    CASE WHEN r_kind < {p_dict} THEN 'dictation' WHEN r_kind < {p_call} THEN 'callback'
         ELSE 'task' END AS kind,
    -- A backlog that thins out with age: most of the last days' work is open, hardly any of
    -- last spring's.
    r_open < CASE WHEN back <= 2 THEN 0.6 WHEN back <= 14 THEN 0.2 WHEN back <= 60 THEN 0.02
                  WHEN back <= 240 THEN 0.002 ELSE 0 END AS is_open,
    CASE WHEN r_prio < 0.05 THEN 'acute' WHEN r_prio < 0.25 THEN 'high'
         WHEN r_prio < 0.85 THEN 'normal' ELSE 'low' END AS priority
  FROM b
), s AS MATERIALIZED (
  SELECT c.*,
    CASE WHEN is_open THEN
           CASE WHEN r_st < 0.40 THEN 'requested' WHEN r_st < 0.70 THEN 'accepted'
                WHEN r_st < 0.90 THEN 'in-progress' ELSE 'on-hold' END
         ELSE CASE WHEN r_st < 0.88 THEN 'completed' WHEN r_st < 0.97 THEN 'cancelled'
                   ELSE 'entered-in-error' END END AS status,
    created_at + interval '1 hour' * CASE priority WHEN 'acute' THEN 4 WHEN 'high' THEN 24
                                                   WHEN 'normal' THEN 72 ELSE 168 END AS due0,
    -- Turnaround: a median of about a day, a tail of weeks (squeezed into the time since).
    created_at + least(interval '1 hour' * (0.5 + 40 * power(-ln(1 - r_turn), 1.5)),
                       (%(now)s - created_at) * 0.9) AS close_at,
    CASE WHEN r_pat < 0.92 THEN 1 + u + {units} * floor(r_pid * {per_unit})::int END AS patient_id,
    ({unit_arr})[u + 1] AS unit_id,
    ({staff_arr})[u + 1][floor(r_by * {secs})::int + 1] AS created_by_id,
    ({staff_arr})[u + 1][floor(r_who * {secs})::int + 1] AS owner_a,
    ({staff_arr})[u + 1][mod(floor(r_who * {secs})::int + 1 + floor(r_who2 * ({secs} - 1))::int,
                            {secs}) + 1] AS owner_b,
    ({clin_arr})[u + 1][floor(r_cli * {clins})::int + 1] AS author_id
  FROM c
), o AS MATERIALIZED (
  SELECT s.*,
    CASE WHEN is_open THEN NULL ELSE close_at END AS closed_at,
    coalesce(CASE WHEN is_open THEN NULL ELSE close_at END, %(now)s) - created_at AS span,
    NOT ((status = 'requested' AND r_own < 0.7)
         OR (status IN ('cancelled', 'entered-in-error') AND r_own < 0.4)) AS claimed,
    r_due < 0.08 AS due_moved,
    status IN ('in-progress', 'on-hold') OR (status = 'completed' AND r_start < 0.5) AS started
  FROM s
), h AS (
  SELECT o.*,
    claimed AND r_ho < 0.10 AND status NOT IN ('accepted', 'entered-in-error') AS handed
  FROM o
)
SELECT h.*,
  CASE WHEN handed THEN owner_b WHEN claimed THEN owner_a END AS owner_id,
  CASE WHEN due_moved THEN due0 + interval '3 days' ELSE due0 END AS due_at,
  claimed AND status = 'requested' AND NOT handed AS assigned,
  CASE WHEN started THEN 'in-progress' WHEN handed THEN 'requested' WHEN claimed THEN 'accepted'
       ELSE 'requested' END AS before_close,
  created_at + span * 0.15 AS claim_at, created_at + span * 0.3 AS due_moved_at,
  created_at + span * 0.4 AS handed_at, created_at + span * 0.6 AS start_at,
  created_at + span * 0.8 AS hold_at
FROM h
"""

PHONE = """
INSERT INTO phone_message (id, unit_id, patient_id, caller_name, caller_relation, phone, message,
                           call_back_by, taken_by_id, taken_at)
SELECT g, unit_id, patient_id, ({callers})[floor(r_tod * {n_callers})::int + 1],
       CASE WHEN patient_id IS NULL THEN 'colleague' ELSE 'patient' END,
       '070-' || lpad(mod(g, 10000000)::text, 7, '0'),
       ({messages})[floor(r_turn * {n_messages})::int + 1], due_at, created_by_id, created_at
FROM seed_t WHERE kind = 'callback'
"""

ITEMS = """
INSERT INTO work_item (id, kind, patient_id, unit_id, owner_id, priority, status, due_at, title,
                       description, ref_type, ref_id, created_at, created_by_id, updated_at,
                       closed_at, status_before_hold)
SELECT g, kind, patient_id, unit_id,
       CASE WHEN owner_id IS NULL AND status = 'completed' THEN created_by_id ELSE owner_id END,
       priority, status, due_at,
       CASE kind WHEN 'callback' THEN 'Ring tillbaka'
                 WHEN 'dictation' THEN 'Skriv ut diktat'
                 ELSE ({titles})[floor(r_tod * {n_titles})::int + 1] END,
       '', CASE kind WHEN 'callback' THEN 'phone_message' WHEN 'dictation' THEN 'dictation' END,
       CASE WHEN kind IN ('callback', 'dictation') THEN g END,
       created_at, created_by_id, coalesce(closed_at, greatest(created_at, hold_at)), closed_at,
       CASE WHEN status = 'on-hold' THEN 'in-progress' END
FROM seed_t
"""

# Each item's history, one row per step it took (NULL rows filtered), as WorkItem's methods
# record them: `data` holds what history_values keeps (the non-None extras).
EVENTS = f"""
INSERT INTO work_item_event (work_item_id, at, actor_id, type, from_status, to_status, reason, data)
SELECT g, e.at, e.actor, e.type, e.from_s, e.to_s, e.reason, e.data
FROM seed_t, LATERAL (VALUES
  (created_at, created_by_id, 'created', NULL, 'requested', NULL, '{{}}'::json, true),
  -- Taken from the queue; or, for an item still requested with an owner, assigned to her.
  (claim_at, CASE WHEN assigned THEN created_by_id ELSE owner_a END,
   CASE WHEN assigned THEN 'assigned' ELSE 'claimed' END,
   CASE WHEN NOT assigned THEN 'requested' END, CASE WHEN NOT assigned THEN 'accepted' END, NULL,
   json_build_object('to_owner', owner_a), claimed),
  (due_moved_at, coalesce(owner_a, created_by_id), 'due_changed', NULL, NULL,
   'Väntar på provsvar', json_build_object('due_before', {ISO.format(x="due0")},
                                           'due_after', {ISO.format(x="due_at")}), due_moved),
  (handed_at, owner_a, 'handed_over', 'accepted', 'requested', 'Semester',
   json_build_object('from_owner', owner_a, 'to_owner', owner_b), handed),
  (start_at, coalesce(owner_id, created_by_id), 'status_changed',
   CASE WHEN handed THEN 'requested' ELSE 'accepted' END, 'in-progress', NULL, '{{}}'::json,
   started),
  (hold_at, owner_id, 'status_changed', 'in-progress', 'on-hold', 'Väntar på svar från läkaren',
   '{{}}'::json, status = 'on-hold'),
  (closed_at, coalesce(owner_id, created_by_id), 'status_changed', before_close, status,
   CASE status WHEN 'cancelled' THEN 'Behövs inte längre' WHEN 'entered-in-error' THEN 'Fel patient'
   END, '{{}}'::json, closed_at IS NOT NULL)
) AS e(at, actor, type, from_s, to_s, reason, data, happened)
WHERE e.happened
"""

# The dictation kind's records: where the dictation stands follows its item (an open item's
# dictation waits before signing; a completed one was sent for signature when the item closed).
DICTATIONS = """
CREATE TEMP TABLE seed_d ON COMMIT DROP AS
SELECT g, unit_id, patient_id, author_id, priority, created_at, closed_at, r_draft < 0.9 AS drafted,
  created_at + least(interval '6 minutes', span * 0.5) AS draft_at, claim_at, start_at, hold_at,
  CASE WHEN status = 'completed'
       THEN closed_at + interval '1 hour' * (1 + 30 * power(-ln(1 - r_sign), 1.4)) END AS sign_at,
  status AS item_status, r_tod
FROM seed_t WHERE kind = 'dictation';
INSERT INTO dictation (id, unit_id, patient_id, author_id, note_type_id, priority, status,
                       audio_sha256, audio_format, audio_media_type, audio_duration_s, audio_size,
                       original_filename, source, uploaded_by_id, uploaded_at, updated_at,
                       drafted_at, text, text_revision, sent_for_signature_at, signed_at,
                       signed_by_id, cancelled_reason, closed_at)
SELECT g, unit_id, patient_id, author_id, %(note_type)s, priority,
  CASE item_status
    WHEN 'requested' THEN CASE WHEN drafted THEN 'draft_ready' ELSE 'dictated' END
    WHEN 'accepted' THEN CASE WHEN drafted THEN 'draft_ready' ELSE 'dictated' END
    WHEN 'in-progress' THEN 'in_review' WHEN 'on-hold' THEN 'returned'
    WHEN 'completed' THEN CASE WHEN sign_at < %(now)s THEN 'signed' ELSE 'awaiting_signature' END
    ELSE 'cancelled' END,
  lpad(to_hex(g), 64, '0'), 'wav', 'audio/wav', 30 + 300 * r_tod, (32000 * (30 + 300 * r_tod))::bigint,
  'diktat.wav', 'upload', author_id, created_at,
  coalesce(CASE WHEN sign_at < %(now)s THEN sign_at END, closed_at, created_at),
  CASE WHEN drafted THEN draft_at END,
  CASE WHEN item_status = 'completed' THEN 'Anteckning (benchmark, ingen riktig patient).' ELSE '' END,
  CASE WHEN item_status = 'completed' THEN 1 ELSE 0 END,
  CASE WHEN item_status = 'completed' THEN closed_at END,
  CASE WHEN sign_at < %(now)s THEN sign_at END,
  CASE WHEN sign_at < %(now)s THEN author_id END,
  CASE WHEN item_status IN ('cancelled', 'entered-in-error') THEN 'Dubbeldikterat' END,
  CASE WHEN sign_at < %(now)s THEN sign_at
       WHEN item_status IN ('cancelled', 'entered-in-error') THEN closed_at END
FROM seed_d;
INSERT INTO dictation_event (dictation_id, at, actor_id, type, from_status, to_status, reason, data)
SELECT g, e.at, e.actor, e.type, e.from_s, e.to_s, e.reason, e.data
FROM seed_d, LATERAL (VALUES
  (created_at, author_id, 'uploaded', NULL, 'dictated', NULL, '{}'::json, true),
  (draft_at, NULL::int, 'draft_ready', 'dictated', 'draft_ready', NULL,
   json_build_object('model', 'kb-whisper-large', 'words', 180 + floor(r_tod * 400)::int),
   drafted AND item_status NOT IN ('cancelled', 'entered-in-error')),
  (start_at, NULL::int, 'review_started', CASE WHEN drafted THEN 'draft_ready' ELSE 'dictated' END,
   'in_review', NULL, '{}'::json, item_status IN ('in-progress', 'on-hold', 'completed')),
  (hold_at, NULL::int, 'returned', 'in_review', 'returned', 'Vilken dos avses?', '{}'::json,
   item_status = 'on-hold'),
  (closed_at, NULL::int, 'sent_for_signature', 'in_review', 'awaiting_signature', NULL, '{}'::json,
   item_status = 'completed'),
  (sign_at, author_id, 'signed', 'awaiting_signature', 'signed', NULL,
   json_build_object('version', 1), sign_at < %(now)s),
  (closed_at, author_id, 'cancelled', 'dictated', 'cancelled', 'Dubbeldikterat', '{}'::json,
   item_status IN ('cancelled', 'entered-in-error'))
) AS e(at, actor, type, from_s, to_s, reason, data, happened)
WHERE e.happened
"""


def _clinicians(db: Database, unit_ids: list[int]) -> list[list[int]]:
    """Each unit's clinicians (the dictations' authors), in unit order."""
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT m.unit_id, u.id FROM app_user u JOIN unit_membership m ON m.user_id = u.id "
            "WHERE u.role = 'clinician' ORDER BY m.unit_id, u.id")).all()
    found: dict[int, list[int]] = {}
    for unit_id, user_id in rows:
        found.setdefault(unit_id, []).append(user_id)
    return [found[u] for u in unit_ids]


def _sql(unit_ids: list[int], secretaries: list[list[int]], clinicians: list[list[int]]) -> list[str]:
    """The chunk's statements, constants filled in."""
    arr = base._arr
    staff_arr = "ARRAY[" + ", ".join(arr(s) for s in secretaries) + "]"
    clin_arr = "ARRAY[" + ", ".join(arr(c) for c in clinicians) + "]"
    callers = [f"{g} {f}" for g, f in zip(base.GIVEN, base.FAMILY, strict=True)]
    draws = DRAWS.format(units=base.UNITS, days=YEARS_DAYS, p_dict=P_DICTATION,
                         p_call=P_DICTATION + P_CALLBACK, per_unit=base.PATIENTS // base.UNITS,
                         unit_arr=arr(unit_ids), staff_arr=staff_arr, secs=base.SECRETARIES,
                         clin_arr=clin_arr, clins=len(clinicians[0]))
    phone = PHONE.format(callers=arr(callers), n_callers=len(callers),
                         messages=arr(base.MESSAGES), n_messages=len(base.MESSAGES))
    items = ITEMS.format(titles=arr(base.TASK_TITLES), n_titles=len(base.TASK_TITLES))
    return [draws, phone, items, EVENTS, *DICTATIONS.split(";\n")]


def _drop_indexes(cur: Any) -> list[str]:
    """Drop the big tables' secondary indexes (kept as their CREATE statements); return those."""
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT LIKE 'pk\\_%%' AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint)", (list(BIG_TABLES),))
    rows = cur.fetchall()
    for name, _def in rows:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def fill(db: Database, items: int, unit_ids: list[int], secretaries: list[list[int]],
         now: datetime) -> None:
    """Insert `items` work items with their history, dictations and phone messages (PostgreSQL)."""
    if not db.is_postgres:
        raise SystemExit("the overview benchmark seeds PostgreSQL only")
    statements = _sql(unit_ids, secretaries, _clinicians(db, unit_ids))
    raw = db.engine.raw_connection()
    try:
        # Client-side binding: CREATE TABLE AS takes no server-side parameters.
        cur = psycopg.ClientCursor(raw.driver_connection)
        cur.execute("SELECT id FROM note_type WHERE unit_id IS NULL ORDER BY sort_order, id LIMIT 1")
        note_type = cur.fetchone()[0]
        cur.execute("SET session_replication_role = replica")  # no FK triggers during the load
        t0 = time.perf_counter()
        indexes = _drop_indexes(cur)
        raw.commit()
        params = {"now": now, "today": local_day(now), "note_type": note_type}
        with tqdm(total=items, desc="work items, history, dictations", unit="item",
                  unit_scale=True) as bar:
            for lo in range(1, items + 1, CHUNK):
                hi = min(lo + CHUNK - 1, items)
                for statement in statements:
                    cur.execute(statement, {**params, "lo": lo, "hi": hi})
                raw.commit()
                bar.update(hi - lo + 1)
        print(f"  loaded in {time.perf_counter() - t0:.0f} s", flush=True)
        t0 = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '1GB'")
        for definition in tqdm(indexes, desc="indexes", unit="index"):
            cur.execute(definition)
            raw.commit()
        for table in ("patient", "work_item", "phone_message", "dictation"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        cur.execute("SET session_replication_role = DEFAULT")
        raw.commit()
        print(f"  {len(indexes)} indexes built in {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        raw.close()
    t0 = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"  VACUUM ANALYZE in {time.perf_counter() - t0:.0f} s", flush=True)


def seed(db: Database, *, items: int) -> base.Seeded:
    """Fill an empty, migrated database with three years of the region's work."""
    return base.seed(db, items=items, fill=fill)
