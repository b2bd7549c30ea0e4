"""Referrals in and out, and messages to senders

Incoming referrals with their history, messages to and from the sender and PDF attachments;
outgoing referrals with their history and the units' referral templates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('sender_hsa_id', sa.String(length=64), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('forward_to_name', sa.String(length=200), nullable=True),
    sa.Column('forward_to_hsa_id', sa.String(length=64), nullable=True),
    sa.Column('decided_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('waitlist_entry_id', sa.Integer(), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessor_id'], ['app_user.id'], name=op.f('fk_referral_assessor_id_app_user')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], name=op.f('fk_referral_decided_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_referral_patient_id_patient')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['app_user.id'], name=op.f('fk_referral_registered_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_referral_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_patient', ['patient_id'], unique=False)
        batch_op.create_index('ix_referral_unit_status', ['unit_id', 'status', 'received_on'], unique=False)

    op.create_table('referral_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_referral_template_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_referral_template_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_template')),
    sa.UniqueConstraint('unit_id', 'name', name=op.f('uq_referral_template_unit_id_name'))
    )
    op.create_table('outgoing_referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('receiver_name', sa.String(length=200), nullable=False),
    sa.Column('receiver_hsa_id', sa.String(length=64), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('anamnesis', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('delivered_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivery_ref', sa.String(length=255), nullable=True),
    sa.Column('reply_received_on', sa.Date(), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('reply_registered_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reply_registered_by_id', sa.Integer(), nullable=True),
    sa.Column('chased_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_reason', sa.Text(), nullable=True),
    sa.Column('closed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_outgoing_referral_author_id_app_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_outgoing_referral_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_outgoing_referral_patient_id_patient')),
    sa.ForeignKeyConstraint(['reply_registered_by_id'], ['app_user.id'], name=op.f('fk_outgoing_referral_reply_registered_by_id_app_user')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['app_user.id'], name=op.f('fk_outgoing_referral_sent_by_id_app_user')),
    sa.ForeignKeyConstraint(['template_id'], ['referral_template.id'], name=op.f('fk_outgoing_referral_template_id_referral_template')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_outgoing_referral_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_referral'))
    )
    with op.batch_alter_table('outgoing_referral', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_referral_patient', ['patient_id'], unique=False)
        batch_op.create_index('ix_outgoing_referral_unit_status', ['unit_id', 'status', 'sent_at'], unique=False)

    op.create_table('referral_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_referral_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_event_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_event'))
    )
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_event_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('counterpart_name', sa.String(length=200), nullable=False),
    sa.Column('counterpart_hsa_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_referral_message_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_message_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_message'))
    )
    with op.batch_alter_table('referral_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_message_referral_id'), ['referral_id'], unique=False)

    op.create_table('outgoing_referral_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('outgoing_id', sa.Integer(), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_outgoing_referral_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['outgoing_id'], ['outgoing_referral.id'], name=op.f('fk_outgoing_referral_event_outgoing_id_outgoing_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_referral_event'))
    )
    with op.batch_alter_table('outgoing_referral_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_referral_event_outgoing_id'), ['outgoing_id'], unique=False)

    op.create_table('referral_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('outgoing_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('uploaded_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(referral_id IS NULL) <> (outgoing_id IS NULL)', name=op.f('ck_referral_attachment_one_owner')),
    sa.ForeignKeyConstraint(['message_id'], ['referral_message.id'], name=op.f('fk_referral_attachment_message_id_referral_message')),
    sa.ForeignKeyConstraint(['outgoing_id'], ['outgoing_referral.id'], name=op.f('fk_referral_attachment_outgoing_id_outgoing_referral')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_attachment_referral_id_referral')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id'], name=op.f('fk_referral_attachment_uploaded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_attachment'))
    )
    with op.batch_alter_table('referral_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_attachment_outgoing_id'), ['outgoing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_attachment_referral_id'), ['referral_id'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('referral_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_attachment_referral_id'))
        batch_op.drop_index(batch_op.f('ix_referral_attachment_outgoing_id'))

    op.drop_table('referral_attachment')
    with op.batch_alter_table('outgoing_referral_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_referral_event_outgoing_id'))

    op.drop_table('outgoing_referral_event')
    with op.batch_alter_table('referral_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_message_referral_id'))

    op.drop_table('referral_message')
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_event_referral_id'))

    op.drop_table('referral_event')
    with op.batch_alter_table('outgoing_referral', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_referral_unit_status')
        batch_op.drop_index('ix_outgoing_referral_patient')

    op.drop_table('outgoing_referral')
    op.drop_table('referral_template')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_unit_status')
        batch_op.drop_index('ix_referral_patient')

    op.drop_table('referral')
