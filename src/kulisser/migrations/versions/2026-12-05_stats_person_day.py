"""The team's daily aggregate per person, and the closed items' index it reads (issue 15 item 7)

Revision ID: 0039
Revises: 0036
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "stats_person_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("handed_in", sa.Integer(), nullable=False),
        sa.Column("handed_out", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_stats_person_day_unit_id_care_unit")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_stats_person_day_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_person_day")),
        sa.UniqueConstraint("unit_id", "day", "user_id", "kind",
                            name="uq_stats_person_day_unit_id_day_user_id_kind"),
    )
    # The job and my week read the items completed (or entered in error) since a moment.
    op.create_index("ix_work_item_closed_status_at", "work_item", ["status", "closed_at"],
                    postgresql_where=sa.text("closed_at IS NOT NULL"),
                    sqlite_where=sa.text("closed_at IS NOT NULL"))


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_work_item_closed_status_at", table_name="work_item")
    op.drop_table("stats_person_day")
