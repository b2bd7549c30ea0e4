"""stats_work_day by day: the region's view reads one period of every unit (issue 15 item 6)

Revision ID: 0035
Revises: 0029
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0035"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # The unique (unit_id, day, kind) serves one unit; a period across all units needs the day first.
    op.create_index("ix_stats_work_day_day", "stats_work_day", ["day"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_stats_work_day_day", table_name="stats_work_day")
