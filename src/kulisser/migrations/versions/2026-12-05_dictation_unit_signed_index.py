"""A unit's dictations signed in a period: speech recognition's help per month (issue 15 item 7)

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # recognizer_help reads a unit's dictations signed in one month; at 3,000,000 dictations
    # the unit-and-status index made that a read of every dictation the unit had (1.5-3 s).
    op.create_index("ix_dictation_unit_signed", "dictation", ["unit_id", "signed_at"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_dictation_unit_signed", table_name="dictation")
