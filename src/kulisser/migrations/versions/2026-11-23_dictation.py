"""Dictation: dictations, their history, signed note versions, note types, glossaries

Seeds the default note types (unit_id NULL) that every unit gets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:20:41.951572
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('glossary_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=100), nullable=False),
    sa.Column('term_key', sa.String(length=100), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['app_user.id'], name=op.f('fk_glossary_term_added_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_glossary_term_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_term')),
    sa.UniqueConstraint('unit_id', 'term_key', name=op.f('uq_glossary_term_unit_id_term_key'))
    )
    with op.batch_alter_table('glossary_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_glossary_term_unit_id'), ['unit_id'], unique=False)

    op.create_table('note_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('headings', sa.JSON(), nullable=False),
    sa.Column('loinc_code', sa.String(length=20), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_note_type_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_type')),
    sa.UniqueConstraint('unit_id', 'code', name=op.f('uq_note_type_unit_id_code'))
    )
    # The default set (written out here, not imported: a migration must not change later).
    note_type = sa.table('note_type', sa.column('unit_id', sa.Integer()), sa.column('code', sa.String()),
                         sa.column('name', sa.String()), sa.column('headings', sa.JSON()),
                         sa.column('loinc_code', sa.String()), sa.column('sort_order', sa.Integer()),
                         sa.column('active', sa.Boolean()))
    op.bulk_insert(note_type, [
        {'unit_id': None, 'code': 'visit', 'name': 'Besöksanteckning',
         'headings': ['Anamnes', 'Status', 'Bedömning', 'Åtgärd'], 'loinc_code': '11506-3',
         'sort_order': 10, 'active': True},
        {'unit_id': None, 'code': 'discharge', 'name': 'Epikris',
         'headings': ['Inskrivningsorsak', 'Förlopp', 'Bedömning', 'Läkemedel', 'Uppföljning'],
         'loinc_code': '18842-5', 'sort_order': 20, 'active': True},
        {'unit_id': None, 'code': 'referral', 'name': 'Remiss',
         'headings': ['Frågeställning', 'Anamnes', 'Status', 'Aktuella läkemedel'],
         'loinc_code': '57133-1', 'sort_order': 30, 'active': True},
        {'unit_id': None, 'code': 'letter', 'name': 'Brev',
         'headings': ['Bakgrund', 'Information', 'Fortsatt planering'], 'loinc_code': '34109-9',
         'sort_order': 40, 'active': True},
    ])
    op.create_table('dictation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('note_type_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('audio_sha256', sa.String(length=64), nullable=False),
    sa.Column('audio_format', sa.String(length=16), nullable=False),
    sa.Column('audio_media_type', sa.String(length=40), nullable=False),
    sa.Column('audio_duration_s', sa.Float(), nullable=False),
    sa.Column('audio_size', sa.BigInteger(), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('import_note', sa.Text(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('draft_text', sa.Text(), nullable=True),
    sa.Column('draft_words', sa.JSON(), nullable=True),
    sa.Column('draft_model', sa.String(length=100), nullable=True),
    sa.Column('draft_language', sa.String(length=8), nullable=True),
    sa.Column('drafted_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_revision', sa.Integer(), nullable=False),
    sa.Column('text_saved_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('text_saved_by_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('asked_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_for_signature_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('unusable_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_reason', sa.Text(), nullable=True),
    sa.Column('closed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_dictation_author_id_app_user')),
    sa.ForeignKeyConstraint(['note_type_id'], ['note_type.id'], name=op.f('fk_dictation_note_type_id_note_type')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_dictation_patient_id_patient')),
    sa.ForeignKeyConstraint(['replaces_id'], ['dictation.id'], name=op.f('fk_dictation_replaces_id_dictation')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['app_user.id'], name=op.f('fk_dictation_signed_by_id_app_user')),
    sa.ForeignKeyConstraint(['text_saved_by_id'], ['app_user.id'], name=op.f('fk_dictation_text_saved_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_dictation_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id'], name=op.f('fk_dictation_uploaded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dictation'))
    )
    with op.batch_alter_table('dictation', schema=None) as batch_op:
        batch_op.create_index('ix_dictation_audio_sha256', ['audio_sha256'], unique=False)
        batch_op.create_index('ix_dictation_author_status', ['author_id', 'status'], unique=False)
        batch_op.create_index('ix_dictation_patient', ['patient_id'], unique=False)
        batch_op.create_index('ix_dictation_unit_status', ['unit_id', 'status', 'uploaded_at'], unique=False)

    op.create_table('dictation_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('dictation_id', sa.Integer(), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_dictation_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['dictation_id'], ['dictation.id'], name=op.f('fk_dictation_event_dictation_id_dictation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dictation_event'))
    )
    with op.batch_alter_table('dictation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dictation_event_dictation_id'), ['dictation_id'], unique=False)

    op.create_table('note_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dictation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['dictation_id'], ['dictation.id'], name=op.f('fk_note_version_dictation_id_dictation')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['app_user.id'], name=op.f('fk_note_version_signed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_version')),
    sa.UniqueConstraint('dictation_id', 'version', name=op.f('uq_note_version_dictation_id_version'))
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('note_version')
    with op.batch_alter_table('dictation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dictation_event_dictation_id'))

    op.drop_table('dictation_event')
    with op.batch_alter_table('dictation', schema=None) as batch_op:
        batch_op.drop_index('ix_dictation_unit_status')
        batch_op.drop_index('ix_dictation_patient')
        batch_op.drop_index('ix_dictation_author_status')
        batch_op.drop_index('ix_dictation_audio_sha256')

    op.drop_table('dictation')
    op.drop_table('note_type')
    with op.batch_alter_table('glossary_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_glossary_term_unit_id'))

    op.drop_table('glossary_term')
