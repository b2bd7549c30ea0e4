"""The stats package's daily aggregate of work items and its refresh watermark (issue 15 item 7)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "stats_work_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("incoming", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("turnaround_hours_sum", sa.Float(), nullable=False),
        sa.Column("turnaround_count", sa.Integer(), nullable=False),
        sa.Column("turnaround_hist", sa.JSON(), nullable=False),
        sa.Column("open_total", sa.Integer(), nullable=False),
        sa.Column("open_0_2", sa.Integer(), nullable=False),
        sa.Column("open_3_14", sa.Integer(), nullable=False),
        sa.Column("open_over_14", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("oldest_created_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_stats_work_day_unit_id_care_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_work_day")),
        sa.UniqueConstraint("unit_id", "day", "kind", name="uq_stats_work_day_unit_id_day_kind"),
    )
    op.create_table(
        "stats_watermark",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("until", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stats_watermark")),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("stats_watermark")
    op.drop_table("stats_work_day")
