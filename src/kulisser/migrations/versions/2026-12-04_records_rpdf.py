"""Record copies: a picked document's source id as wide as the sources' own ids (results and
visits have 64-bit ids)

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # SQLite's INTEGER is 64-bit already (the model's BigId is Integer there): nothing to do.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("record_request_document", "source_id", type_=sa.BigInteger(),
                        existing_type=sa.Integer(), existing_nullable=False)


def downgrade() -> None:
    """Revert this migration."""
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("record_request_document", "source_id", type_=sa.Integer(),
                        existing_type=sa.BigInteger(), existing_nullable=False)
