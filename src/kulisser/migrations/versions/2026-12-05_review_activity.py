"""Review activity per dictation and the way it was reviewed (issue 15 item 8)

Revision ID: 0036
Revises: 0029
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0036"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("dictation") as batch:
        batch.add_column(sa.Column("review_mode", sa.String(length=10), nullable=True))
    op.create_table(
        "dictation_review_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dictation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["dictation_id"], ["dictation.id"],
                                name=op.f("fk_dictation_review_activity_dictation_id_dictation")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_dictation_review_activity_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dictation_review_activity")),
    )
    op.create_index("ix_dictation_review_activity_dictation_at", "dictation_review_activity",
                    ["dictation_id", "at"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_dictation_review_activity_dictation_at", table_name="dictation_review_activity")
    op.drop_table("dictation_review_activity")
    # A plain DROP COLUMN (SQLite 3.35+): batch mode would copy and drop the table, which
    # other tables' foreign keys forbid once it has rows.
    op.drop_column("dictation", "review_mode")
