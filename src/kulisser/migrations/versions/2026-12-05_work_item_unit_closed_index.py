"""The work items of a unit still open or closed since a moment: the aggregate's refresh (issue 15 item 7)

Revision ID: 0040
Revises: 0038
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0040"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # The refresh job reads, per unit, the items open now or closed since its watermark
    # (closed_at IS NULL OR closed_at >= ...): both are ranges of this one index, where
    # without it every run read the whole table once per unit.
    op.create_index("ix_work_item_unit_closed", "work_item", ["unit_id", "closed_at"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_work_item_unit_closed", table_name="work_item")
