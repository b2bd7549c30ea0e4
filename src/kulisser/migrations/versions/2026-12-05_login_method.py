"""The login method in the session and in every audit row; the ID token for logout

`user_session.login_method` and `audit_event.login_method`: "password", "token", or "oidc"
with the identity provider's acr and amr (SITHS). `user_session.id_token` keeps an OpenID
login's ID token for RP-initiated logout (`id_token_hint`). Adding nullable (or defaulted)
columns leaves the audit log's no-update/no-delete triggers alone.

Revision ID: 0023
Revises: 0018
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    # Sessions open when this runs were password logins: the default says so.
    op.add_column("user_session", sa.Column("login_method", sa.String(200), nullable=False,
                                            server_default="password"))
    op.add_column("user_session", sa.Column("id_token", sa.Text(), nullable=True))
    op.add_column("audit_event", sa.Column("login_method", sa.String(200), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    op.drop_column("audit_event", "login_method")
    with op.batch_alter_table("user_session") as batch:
        batch.drop_column("id_token")
        batch.drop_column("login_method")
