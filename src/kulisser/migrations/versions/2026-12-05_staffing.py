"""The staffing figure: standard times per kind, staffed hours per month, their changes (issue 15 item 4)

Revision ID: 0033
Revises: 0029
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "stats_standard_time",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_stats_standard_time_unit_id_care_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_standard_time")),
        sa.UniqueConstraint("unit_id", "kind", name="uq_stats_standard_time_unit_id_kind"),
    )
    op.create_table(
        "stats_staffed_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_stats_staffed_month_unit_id_care_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_staffed_month")),
        sa.UniqueConstraint("unit_id", "month", name="uq_stats_staffed_month_unit_id_month"),
    )
    op.create_table(
        "stats_staffing_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("before", sa.Integer(), nullable=True),
        sa.Column("after", sa.Integer(), nullable=True),
        sa.Column("before_default", sa.Boolean(), nullable=False),
        sa.Column("after_default", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"],
                                name=op.f("fk_stats_staffing_change_actor_id_app_user")),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_stats_staffing_change_unit_id_care_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_staffing_change")),
    )
    op.create_index(op.f("ix_stats_staffing_change_unit_id"), "stats_staffing_change",
                    ["unit_id"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index(op.f("ix_stats_staffing_change_unit_id"), table_name="stats_staffing_change")
    op.drop_table("stats_staffing_change")
    op.drop_table("stats_staffed_month")
    op.drop_table("stats_standard_time")
