"""The stats package's daily aggregate of the dictation chain (issue 15 item 1)

Revision ID: 0031
Revises: 0029
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "stats_chain_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("entered", sa.Integer(), nullable=False),
        sa.Column("left", sa.Integer(), nullable=False),
        sa.Column("hours_sum", sa.Float(), nullable=False),
        sa.Column("hours_hist", sa.JSON(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("waiting_0_2", sa.Integer(), nullable=False),
        sa.Column("waiting_3_14", sa.Integer(), nullable=False),
        sa.Column("waiting_over_14", sa.Integer(), nullable=False),
        sa.Column("not_in_record_2", sa.Integer(), nullable=False),
        sa.Column("unsigned_14", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_stats_chain_day_unit_id_care_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_chain_day")),
        sa.UniqueConstraint("unit_id", "day", "step", name="uq_stats_chain_day_unit_id_day_step"),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("stats_chain_day")
