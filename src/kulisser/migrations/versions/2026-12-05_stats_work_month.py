"""stats_work_month: the monthly roll-up of stats_work_day that long periods read (issue 15 item 7)

Revision ID: 0038
Revises: 0036
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0036"
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
    # Existing daily rows are rolled up by the next `kulisser stats rebuild` (see README);
    # until then long periods read the whole months as empty.


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_stats_work_month_month", table_name="stats_work_month")
    op.drop_table("stats_work_month")
