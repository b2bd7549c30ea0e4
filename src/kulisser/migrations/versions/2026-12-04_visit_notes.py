"""A visit's internal note apart from its message to the patient

The booking form had one free-text field, `appointment.note`, and it was printed in the
calling letter. It becomes `patient_message` (still printed), and `internal_note` is new
(shown to staff, never printed). Existing text stays the patient message: it was printed
already, so that is what it has been all along; moving it to the internal note would change
what later rebooking letters say.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # In place on both databases (SQLite 3.25+ renames a column without a table copy), so the
    # appointment table's partial unique index stays exactly as it is.
    op.alter_column("appointment", "note", new_column_name="patient_message")
    op.add_column("appointment", sa.Column("internal_note", sa.Text(), nullable=False,
                                           server_default=""))


def downgrade() -> None:
    """Revert this migration (an internal note is lost: it must never become printed text)."""
    op.drop_column("appointment", "internal_note")
    op.alter_column("appointment", "patient_message", new_column_name="note")
