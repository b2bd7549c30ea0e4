"""Alembic environment: the URL comes from the caller or from KULISSER_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from kulisser.db import make_engine
from kulisser.migrate import include_name
from kulisser.packages import declared, load_models

config = context.config
# Every installed package's tables, collected through the packages' declarations.
target_metadata = load_models(declared())


def _url() -> str:
    return (config.attributes.get("url") or os.environ.get("KULISSER_DATABASE_URL")
            or "sqlite:///var/kulisser.db")


def run_migrations_offline() -> None:
    """Emit SQL without a database connection."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a live connection (one given by the caller, or a new engine)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                          include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
