"""The daily aggregate (``stats_work_day``) rebuilt by set-based SQL on PostgreSQL.

``aggregate.compute`` walks every open day of every item in Python: exact, and cheap for the
refresh job's day or two, but hours for a full rebuild at region scale. ``store_sql`` writes the
same rows with one ``INSERT ... SELECT``: the items overlapping the range are read once, every
day an item is open comes from ``generate_series``, and the grouping per unit, day and kind is
done by the server. Every rule of ``compute`` is restated here, in the same order as there:

- the items: not entered in error, created before the end of the range or ``now`` (plus one
  microsecond: an item created in the same instant as the run counts), not closed before it;
- the local day: ``AT TIME ZONE 'Europe/Stockholm'`` (``aggregate.local_day``); a day's end
  is the next local midnight (``aggregate.day_start``), today's is ``now``;
- the due time at a moment (``aggregate._due_at``): the ``due_before`` of the first (by id)
  later ``due_changed`` event after the range's start, else the item's due time. Read as
  intervals: event k answers for the moments from the latest ``at`` of the events before it
  (by id) up to its own ``at``, so one range join per item replaces a loop over its events;
- a turnaround's hours in double precision as Python computes them (microseconds / 10**6 /
  3600, each step rounded once), so the histogram bucket (``aggregate.bucket``) is the same;
- rows exist exactly where ``compute`` makes one: a day with an item created, completed or
  cancelled, or open at its end.

The only figure that may differ is ``turnaround_hours_sum``, in its last bits: a sum of
doubles depends on the order of the items, which neither path fixes.
The query does not depend on the session's time zone. Nothing here commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Date, TextClause, bindparam, delete, text
from sqlalchemy.orm import Session

from kulisser.stats import aggregate
from kulisser.stats.models import WorkDay
from kulisser.worklist import service as worklist

ZONE = "Europe/Stockholm"
assert str(aggregate.TZ) == ZONE  # the SQL names the zone that aggregate.local_day uses
# A due_before written with a UTC offset (Python's isoformat of an aware time) is read with it;
# one without is UTC, as aggregate._due_at reads it. Matched on what follows the date.
_OFFSET = r"(Z|[+-]\d\d(:?\d\d){0,2}(\.\d+)?)$"
_DUE_BEFORE = ("CASE WHEN substr(e.data ->> 'due_before', 11) ~ :offset "
               "THEN (e.data ->> 'due_before')::timestamptz "
               "ELSE (e.data ->> 'due_before')::timestamp AT TIME ZONE 'UTC' END")
# Hours from microseconds in three correctly rounded steps, as timedelta.total_seconds() / 3600.
_HOURS = ("(extract(epoch FROM it.closed_at - it.created_at) * 1000000)::bigint::float8"
          " / CAST(1000000 AS float8) / CAST(3600 AS float8)")
# aggregate.bucket: whole hours up to 48, whole days up to 90 days, then 30-day steps.
_BUCKET = ("(CASE WHEN hours <= 48 THEN GREATEST(0, ceil(hours))"
           " WHEN hours <= 2160 THEN ceil(hours / 24) * 24"
           " ELSE ceil(hours / 720) * 720 END)::bigint::text")

# Only this module's constants and the tables' names are put into the text; values are bound.
_SQL = f"""
WITH it AS MATERIALIZED (
  SELECT id, unit_id, kind, created_at, closed_at, status, due_at,
         (created_at AT TIME ZONE '{ZONE}')::date AS cday,
         (closed_at AT TIME ZONE '{ZONE}')::date AS xday
  FROM {worklist.WorkItem.__tablename__}
  WHERE status <> :in_error AND created_at < :end_at
    AND (closed_at IS NULL OR closed_at >= :start_at) {{units}}
),
ev AS MATERIALIZED (
  SELECT e.work_item_id AS item_id, e.at AS hi,
         COALESCE(max(e.at) OVER (PARTITION BY e.work_item_id ORDER BY e.id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                  '-infinity'::timestamptz) AS lo,
         {_DUE_BEFORE} AS before
  FROM {worklist.WorkItemEvent.__tablename__} e
  WHERE e.type = 'due_changed' AND e.at > :start_at
    AND e.work_item_id IN (SELECT id FROM it)
),
-- One fact per item and day it counts on; a day's row is there exactly when it has a fact.
facts AS (
  -- created on the day
  SELECT unit_id, cday AS day, kind, 1 AS incoming, 0 AS done, 0 AS cancelled, 0 AS in_time,
         0::float8 AS hours, NULL::text AS bound, 0 AS open, 0 AS age, 0 AS overdue,
         NULL::timestamptz AS created_at
  FROM it WHERE cday BETWEEN :first AND :last
  UNION ALL
  -- completed or cancelled on the day (in time: by the due time it had when it closed)
  SELECT unit_id, day, kind, 0, done, 1 - done, CASE WHEN done = 1 AND closed_at <= due THEN 1 ELSE 0 END,
         CASE WHEN done = 1 THEN hours ELSE 0 END, CASE WHEN done = 1 THEN {_BUCKET} END,
         0, 0, 0, NULL
  FROM (SELECT it.unit_id, it.xday AS day, it.kind, it.closed_at, {_HOURS} AS hours,
               CASE WHEN it.status = :done THEN 1 ELSE 0 END AS done,
               COALESCE(ev.before, it.due_at) AS due
        FROM it LEFT JOIN ev ON ev.item_id = it.id
                            AND it.closed_at >= ev.lo AND it.closed_at < ev.hi
        WHERE it.xday BETWEEN :first AND :last AND it.status IN (:done, :cancelled)) c
  UNION ALL
  -- open at the end of the day (today: at `now`)
  SELECT it.unit_id, g.day, it.kind, 0, 0, 0, 0, 0, NULL, 1, g.day - it.cday,
         CASE WHEN COALESCE(ev.before, it.due_at) < g.moment THEN 1 ELSE 0 END, it.created_at
  FROM it
  CROSS JOIN LATERAL (
    SELECT d.day, LEAST((d.day + 1)::timestamp AT TIME ZONE '{ZONE}', :end_now) AS moment
    FROM (SELECT GREATEST(:first, it.cday) + n AS day
          FROM generate_series(0, LEAST(:last, COALESCE(it.xday - 1, :last))
                                  - GREATEST(:first, it.cday)) AS n) d
  ) g
  LEFT JOIN ev ON ev.item_id = it.id AND g.moment >= ev.lo AND g.moment < ev.hi
  WHERE it.created_at < g.moment
),
-- Per histogram bound first (NULL for every fact but a completion), so that the row's
-- histogram is one json_object_agg of the bounds' counts.
per_bound AS (
  SELECT unit_id, day, kind, bound, sum(incoming) AS incoming, sum(done) AS done,
         sum(cancelled) AS cancelled, sum(in_time) AS in_time, sum(hours) AS hours,
         sum(open) AS open_total,
         count(*) FILTER (WHERE open = 1 AND age <= 2) AS open_0_2,
         count(*) FILTER (WHERE open = 1 AND age BETWEEN 3 AND 14) AS open_3_14,
         count(*) FILTER (WHERE open = 1 AND age >= 15) AS open_over_14,
         sum(overdue) AS overdue, min(created_at) AS oldest
  FROM facts GROUP BY 1, 2, 3, 4
)
INSERT INTO {WorkDay.__tablename__} (
  unit_id, day, kind, incoming, done, cancelled, done_in_time, turnaround_hours_sum,
  turnaround_count, turnaround_hist, open_total, open_0_2, open_3_14, open_over_14, overdue,
  oldest_created_at)
SELECT unit_id, day, kind, sum(incoming), sum(done), sum(cancelled), sum(in_time), sum(hours),
       sum(done), COALESCE(json_object_agg(bound, done) FILTER (WHERE bound IS NOT NULL), '{{}}'::json),
       sum(open_total), sum(open_0_2), sum(open_3_14), sum(open_over_14), sum(overdue), min(oldest)
FROM per_bound GROUP BY 1, 2, 3
"""  # noqa: S608

# For this statement only (local to the transaction, and put back after it). The planner takes
# each item's generate_series for a thousand days, so the plan looks costly enough for JIT,
# which then compiles for seconds a query that runs in less. The grouping per unit, day, kind
# and histogram bound (up to a few million groups at region scale) spills less to disk.
_SETTINGS = {"jit": "off", "work_mem": "256MB"}


def _settings(session: Session, values: dict[str, str]) -> dict[str, str]:
    """Set run-time settings for the rest of the transaction; return what they were."""
    before = {}
    for name, value in values.items():
        before[name] = str(session.execute(text("SELECT current_setting(:name)"),
                                           {"name": name}).scalar())
        session.execute(text("SELECT set_config(:name, :value, true)"),
                        {"name": name, "value": value})
    return before


def _statement(unit_ids: list[int] | None) -> TextClause:
    """The INSERT ... SELECT, for the given units or (None) every unit."""
    units = "" if unit_ids is None else "AND unit_id = ANY(:units)"
    return text(_SQL.replace("{units}", units)).bindparams(
        bindparam("offset", _OFFSET), bindparam("first", type_=Date),
        bindparam("last", type_=Date))


def store_sql(session: Session, *, unit_ids: list[int] | None, first: date, last: date,
              now: datetime) -> int:
    """Replace the units' (all: None) rows for first..last with set-based ones; return how many."""
    if session.get_bind().dialect.name != "postgresql":
        raise ValueError("store_sql needs PostgreSQL; aggregate.store computes on any database")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    wipe = delete(WorkDay).where(WorkDay.day >= first, WorkDay.day <= last)
    if unit_ids is not None:
        if not unit_ids:
            return 0
        wipe = wipe.where(WorkDay.unit_id.in_(unit_ids))
    session.execute(wipe)
    # As compute: up to and including `now` (an item created in the same instant is counted).
    end_now = now + timedelta(microseconds=1)
    params = {
        "first": first, "last": last, "end_now": end_now,
        "start_at": aggregate.day_start(first),
        "end_at": min(aggregate.day_start(last + timedelta(days=1)), end_now),
        "in_error": aggregate.IN_ERROR, "done": aggregate.DONE, "cancelled": aggregate.CANCELLED,
    }
    if unit_ids is not None:
        params["units"] = list(unit_ids)
    before = _settings(session, _SETTINGS)
    result = session.execute(_statement(unit_ids), params)
    # Put back after success only: a failed statement aborts the transaction (or savepoint),
    # whose rollback undoes the settings too.
    _settings(session, before)
    return int(result.rowcount)  # type: ignore[attr-defined]
