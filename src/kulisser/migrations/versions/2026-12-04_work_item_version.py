"""Work items get a version: every change is a compare-and-set on it (no lost update)

`work_item.version` starts at 1 and goes up by one with every UPDATE of the row; pages and
API clients send back the version they saw (a hidden field, If-Match), and a stale action is
refused instead of silently overwriting a colleague's.

Revision ID: 0014
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # A plain ADD COLUMN with a default: existing rows start at version 1, no table copy.
    op.add_column("work_item", sa.Column("version", sa.Integer(), nullable=False,
                                         server_default=sa.text("1")))


def downgrade() -> None:
    """Revert this migration."""
    op.drop_column("work_item", "version")
