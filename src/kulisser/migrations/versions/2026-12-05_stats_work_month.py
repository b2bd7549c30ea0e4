"""stats_work_month: the monthly roll-up of stats_work_day that long periods read (issue 15 item 7)

Revision ID: 0038
Revises: 0039
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "stats_work_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("incoming", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("done_in_time", sa.Integer(), nullable=False),
        sa.Column("turnaround_hours_sum", sa.Float(), nullable=False),
        sa.Column("turnaround_count", sa.Integer(), nullable=False),
        sa.Column("turnaround_hist", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_stats_work_month_unit_id_care_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_work_month")),
        sa.UniqueConstraint("unit_id", "month", "kind",
                            name="uq_stats_work_month_unit_id_month_kind"),
    )
    op.create_index("ix_stats_work_month_month", "stats_work_month", ["month"])
    _backfill()


FLOW = ("incoming", "done", "cancelled", "done_in_time", "turnaround_hours_sum",
        "turnaround_count")


def _backfill() -> None:
    """Roll the daily rows already there up, so that long periods read right from the start.

    Streamed and summed here rather than through ``stats.rollup`` so that the migration keeps
    working whatever that module becomes; the result is the same rows ``roll_up`` writes.
    """
    day = sa.table("stats_work_day", sa.column("unit_id"), sa.column("day", sa.Date()),
                   sa.column("kind"), *(sa.column(c) for c in FLOW),
                   sa.column("turnaround_hist", sa.JSON()))
    month = sa.table("stats_work_month", sa.column("unit_id"), sa.column("month", sa.Date()),
                     sa.column("kind"), *(sa.column(c) for c in FLOW),
                     sa.column("turnaround_hist", sa.JSON()))
    bind = op.get_bind()
    sums: dict[tuple[int, date, str], dict[str, Any]] = {}
    # Streamed (a server-side cursor on PostgreSQL) for this statement only: the connection
    # goes on to run Alembic's own statements.
    rows = bind.execute(sa.select(day).order_by(day.c.unit_id, day.c.day),
                        execution_options={"yield_per": 10_000})
    for r in rows:
        key = (r.unit_id, r.day.replace(day=1), r.kind)
        out = sums.setdefault(key, {"unit_id": key[0], "month": key[1], "kind": key[2],
                                    "turnaround_hist": {}, **dict.fromkeys(FLOW, 0)})
        for c in FLOW:
            out[c] += getattr(r, c) or 0
        hist = out["turnaround_hist"]
        for bound, count in (r.turnaround_hist or {}).items():
            hist[str(bound)] = hist.get(str(bound), 0) + int(count)
    values = list(sums.values())
    for start in range(0, len(values), 5_000):
        bind.execute(sa.insert(month), values[start:start + 5_000])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_stats_work_month_month", table_name="stats_work_month")
    op.drop_table("stats_work_month")
