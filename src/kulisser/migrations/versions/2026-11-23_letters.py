"""Letters and reminders

Letters with their history, the units' own letter texts, print runs, SMS opt-outs and the
reminders sent (one per appointment and visit time).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('route', sa.String(length=20), nullable=False),
    sa.Column('subject_template', sa.String(length=200), nullable=False),
    sa.Column('body_template', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('visit_start', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source_type', sa.String(length=20), nullable=True),
    sa.Column('source_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('ready_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('mailbox_ref', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_letter_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_letter_patient_id_patient')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_letter_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter'))
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_letter_source', ['source_type', 'source_id'], unique=False)
        batch_op.create_index('ix_letter_unit_status_ready', ['unit_id', 'status', 'ready_at'], unique=False)

    op.create_table('letter_print_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('for_date', sa.Date(), nullable=False),
    sa.Column('letter_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['app_user.id'], name=op.f('fk_letter_print_batch_confirmed_by_id_app_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_letter_print_batch_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_letter_print_batch_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_print_batch'))
    )
    with op.batch_alter_table('letter_print_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_print_batch_unit_id'), ['unit_id'], unique=False)

    op.create_table('letter_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_letter_template_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_letter_template_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template')),
    sa.UniqueConstraint('unit_id', 'kind', name=op.f('uq_letter_template_unit_id_kind'))
    )
    op.create_table('sms_opt_out',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('opted_out_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['app_user.id'], name=op.f('fk_sms_opt_out_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_sms_opt_out_patient_id_patient')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_sms_opt_out'))
    )
    op.create_table('sms_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.BigInteger(), nullable=False),
    sa.Column('visit_start', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_sms_reminder_patient_id_patient')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_sms_reminder_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_reminder')),
    sa.UniqueConstraint('appointment_id', 'visit_start', name=op.f('uq_sms_reminder_appointment_id_visit_start'))
    )
    with op.batch_alter_table('sms_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_reminder_patient_id'), ['patient_id'], unique=False)

    op.create_table('letter_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_letter_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_event_letter_id_letter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_event'))
    )
    with op.batch_alter_table('letter_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_event_letter_id'), ['letter_id'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('letter_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_event_letter_id'))

    op.drop_table('letter_event')
    with op.batch_alter_table('sms_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_reminder_patient_id'))

    op.drop_table('sms_reminder')
    op.drop_table('sms_opt_out')
    op.drop_table('letter_template')
    with op.batch_alter_table('letter_print_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_print_batch_unit_id'))

    op.drop_table('letter_print_batch')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_unit_status_ready')
        batch_op.drop_index('ix_letter_source')
        batch_op.drop_index(batch_op.f('ix_letter_patient_id'))

    op.drop_table('letter')
