"""Patient name search ignores accents: search_name is stored folded ("Åberg" -> "aberg")

No schema change: every stored `patient.search_name` is rewritten with
`kulisser.names.search_key`, the fold that new and renamed patients get, so that the
search finds "Åberg" from "aberg" (and "é", "ü") on SQLite and PostgreSQL alike.

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-04
"""

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000
_patient = sa.table("patient", sa.column("id", sa.Integer), sa.column("given_name", sa.String),
                    sa.column("family_name", sa.String), sa.column("search_name", sa.String))


def _fold(text: str) -> str:
    # A copy of kulisser.names.search_key as it is today: a migration must not change
    # meaning when the application's code moves on.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _rewrite(key: Callable[[str], str]) -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_patient.c.id, _patient.c.given_name, _patient.c.family_name,
                      _patient.c.search_name)
            .where(_patient.c.id > last).order_by(_patient.c.id).limit(_BATCH)).all()
        if not rows:
            return
        for pid, given, family, stored in rows:
            wanted = key(f"{family} {given}")
            if wanted != stored:
                bind.execute(sa.update(_patient).where(_patient.c.id == pid)
                             .values(search_name=wanted))
        last = rows[-1][0]


def upgrade() -> None:
    """Apply this migration."""
    _rewrite(_fold)


def downgrade() -> None:
    """Revert this migration."""
    _rewrite(str.lower)
