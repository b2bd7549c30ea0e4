"""Care contacts: the contact, its codes, its history and the suggestions made for it

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('care_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('admitted_on', sa.Date(), nullable=True),
    sa.Column('discharged_on', sa.Date(), nullable=True),
    sa.Column('clinician_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note_id', sa.Integer(), nullable=True),
    sa.Column('note_words', sa.JSON(), nullable=True),
    sa.Column('must_code', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('coded_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('coded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinician_id'], ['app_user.id'], name=op.f('fk_care_contact_clinician_id_app_user')),
    sa.ForeignKeyConstraint(['coded_by_id'], ['app_user.id'], name=op.f('fk_care_contact_coded_by_id_app_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_care_contact_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_care_contact_patient_id_patient')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_care_contact_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_contact')),
    sa.UniqueConstraint('source', 'source_id', name=op.f('uq_care_contact_source_source_id'))
    )
    with op.batch_alter_table('care_contact', schema=None) as batch_op:
        batch_op.create_index('ix_care_contact_note', ['note_id'], unique=False)
        batch_op.create_index('ix_care_contact_patient_date', ['patient_id', 'contact_date'], unique=False)
        batch_op.create_index('ix_care_contact_unit_status_date', ['unit_id', 'status', 'contact_date'], unique=False)

    op.create_table('care_contact_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('system', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('procedure_date', sa.Date(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('from_suggestion', sa.Boolean(), nullable=False),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['care_contact.id'], name=op.f('fk_care_contact_code_contact_id_care_contact')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_care_contact_code_created_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_contact_code'))
    )
    with op.batch_alter_table('care_contact_code', schema=None) as batch_op:
        batch_op.create_index('ix_care_contact_code_code', ['system', 'code'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_contact_code_contact_id'), ['contact_id'], unique=False)

    op.create_table('care_contact_event',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_care_contact_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['contact_id'], ['care_contact.id'], name=op.f('fk_care_contact_event_contact_id_care_contact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_contact_event'))
    )
    with op.batch_alter_table('care_contact_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_contact_event_contact_id'), ['contact_id'], unique=False)

    op.create_table('care_contact_suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('system', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('why', sa.JSON(), nullable=False),
    sa.Column('made_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken', sa.Boolean(), nullable=False),
    sa.Column('taken_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['care_contact.id'], name=op.f('fk_care_contact_suggestion_contact_id_care_contact')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_care_contact_suggestion_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_contact_suggestion')),
    sa.UniqueConstraint('contact_id', 'system', 'code', name=op.f('uq_care_contact_suggestion_contact_id_system_code'))
    )
    with op.batch_alter_table('care_contact_suggestion', schema=None) as batch_op:
        batch_op.create_index('ix_care_contact_suggestion_unit_made', ['unit_id', 'made_at'], unique=False)



def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('care_contact_suggestion', schema=None) as batch_op:
        batch_op.drop_index('ix_care_contact_suggestion_unit_made')

    op.drop_table('care_contact_suggestion')
    with op.batch_alter_table('care_contact_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_contact_event_contact_id'))

    op.drop_table('care_contact_event')
    with op.batch_alter_table('care_contact_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_contact_code_contact_id'))
        batch_op.drop_index('ix_care_contact_code_code')

    op.drop_table('care_contact_code')
    with op.batch_alter_table('care_contact', schema=None) as batch_op:
        batch_op.drop_index('ix_care_contact_unit_status_date')
        batch_op.drop_index('ix_care_contact_patient_date')
        batch_op.drop_index('ix_care_contact_note')

    op.drop_table('care_contact')
