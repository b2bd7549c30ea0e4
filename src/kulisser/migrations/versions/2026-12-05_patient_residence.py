"""The patient's residence codes: county (länskod) and municipality (kommunkod)

For the patient-register report's LAN and KOMMUN fields (issue 14). Patients on file get
empty codes ("" = unknown); their contacts are listed apart in the report until the codes
are entered.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.add_column("patient", sa.Column("county_code", sa.String(2), nullable=False,
                                       server_default=sa.text("''")))
    op.add_column("patient", sa.Column("municipality_code", sa.String(4), nullable=False,
                                       server_default=sa.text("''")))


def downgrade() -> None:
    """Revert this migration."""
    # A plain DROP COLUMN (SQLite 3.35+): batch mode would copy and drop the table, which
    # other tables' foreign keys forbid once it has rows.
    op.drop_column("patient", "municipality_code")
    op.drop_column("patient", "county_code")
