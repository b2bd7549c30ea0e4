"""Procrastinate's queue (PostgreSQL only)

The tables, types and functions of procrastinate, which carries jobs to `kulisser worker`
processes when KULISSER_JOBS=procrastinate. They are applied on every PostgreSQL database so
that switching to procrastinate needs no other step; SQLite has no use for them. The SQL is
procrastinate's own schema file for the pinned major version: a later procrastinate that
changes its schema needs a migration here applying its files from procrastinate/sql/migrations.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Everything procrastinate creates is named procrastinate_*: drop it all, whatever the version.
_DROP_ALL = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tgname, tgrelid::regclass AS tab FROM pg_trigger
           WHERE tgname LIKE 'procrastinate%' AND NOT tgisinternal LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', r.tgname, r.tab);
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS tab FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'r' AND c.relname LIKE 'procrastinate%' AND n.nspname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %s CASCADE', r.tab);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema() LOOP
    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.fn);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE t.typname LIKE 'procrastinate%' AND t.typtype IN ('e', 'c') AND n.nspname = current_schema() LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
  END LOOP;
END $$;
"""


def _raw_execute(sql: str) -> None:
    # The DBAPI connection, in Alembic's transaction: the schema file holds many statements
    # and percent signs, which SQLAlchemy's text() and driver parameter styles would misread.
    dbapi = op.get_bind().connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cursor:
        cursor.execute(sql)


def upgrade() -> None:
    """Apply this migration."""
    if op.get_bind().dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    exists = op.get_bind().exec_driver_sql(
        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL").scalar()
    if not exists:
        _raw_execute(SchemaManager.get_schema())


def downgrade() -> None:
    """Revert this migration."""
    if op.get_bind().dialect.name != "postgresql":
        return
    _raw_execute(_DROP_ALL)
