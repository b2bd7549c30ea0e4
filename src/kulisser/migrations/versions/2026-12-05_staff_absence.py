"""Absences of the staff (no reason kept), and the work items' owner changes by time (issue 15 item 3)

Revision ID: 0032
Revises: 0029
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
OWNER_MOVES = "type IN ('handed_over', 'assigned', 'claimed')"


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "staff_absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_staff_absence_days_in_order")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_staff_absence_user_id_app_user")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_staff_absence_created_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_absence")),
    )
    op.create_index("ix_staff_absence_user_days", "staff_absence", ["user_id", "last_day"])
    # The team's hand-overs in a period read the owner changes by time (kulisser.stats.team).
    op.create_index("ix_work_item_event_owner_moves", "work_item_event", ["at"],
                    postgresql_where=sa.text(OWNER_MOVES), sqlite_where=sa.text(OWNER_MOVES))


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_work_item_event_owner_moves", table_name="work_item_event")
    op.drop_index("ix_staff_absence_user_days", table_name="staff_absence")
    op.drop_table("staff_absence")
