"""API tokens remember their last use and can be revoked; login attempts name their device

`api_token.last_used_at` (written at most once a minute per token) and `revoked_at` (by
`kulisser token revoke` or a password change; the row is kept for the listing).
`login_attempt.device`: the id of the signed device cookie the attempt came with, so that a
known device has its own failure count and an attacker elsewhere cannot lock it out.
`audit_event.ip`: the caller's address (X-Forwarded-For only from KULISSER_TRUSTED_PROXIES).

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kulisser.db import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_attempt") as batch:
        batch.add_column(sa.Column("device", sa.String(length=32), nullable=True))
    # A plain ADD COLUMN (no batch copy on SQLite): the append-only triggers stay as they are.
    op.add_column("audit_event", sa.Column("ip", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    # SQLite 3.35+ drops a column in place; the append-only triggers do not fire on DDL.
    op.drop_column("audit_event", "ip")
    with op.batch_alter_table("login_attempt") as batch:
        batch.drop_column("device")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("last_used_at")
