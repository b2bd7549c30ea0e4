"""Visit types say which kind of wait they end (first visit, treatment, follow-up)

Booking from a waiting-list entry then offers the entry's kind of visit first. Nullable:
existing visit types are tied to no kind until a planner says so.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("visit_type") as batch:
        batch.add_column(sa.Column("wait_kind", sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("visit_type") as batch:
        batch.drop_column("wait_kind")
