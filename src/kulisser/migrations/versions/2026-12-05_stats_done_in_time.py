"""The daily aggregate counts the items done within their due time (issue 15 item 1)

Revision ID: 0037
Revises: 0029
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # Rows written before this column existed count nothing within due time until the next
    # rebuild (`kulisser stats rebuild`), which recomputes them exactly.
    with op.batch_alter_table("stats_work_day") as batch:
        batch.add_column(sa.Column("done_in_time", sa.Integer(), nullable=False,
                                   server_default=sa.text("0")))


def downgrade() -> None:
    """Revert this migration."""
    # A plain DROP COLUMN (SQLite 3.35+): batch mode would copy and drop the table, which
    # other tables' foreign keys forbid once it has rows.
    op.drop_column("stats_work_day", "done_in_time")
