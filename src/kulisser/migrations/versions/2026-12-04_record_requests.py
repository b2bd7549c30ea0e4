"""Record requests: copies of the record and log extracts, their documents, masks, secrecy
review, decisions, appeals, releases, the unit's delegation table and rules (issue 12)

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = '0018'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    """Apply this migration."""
    op.create_table('record_delegation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('may_decide_own', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(role IS NULL) <> (user_id IS NULL)', name=op.f('ck_record_delegation_who')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_record_delegation_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_record_delegation_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_record_delegation_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_delegation'))
    )
    with op.batch_alter_table('record_delegation', schema=None) as batch_op:
        batch_op.create_index('ix_record_delegation_unit', ['unit_id'], unique=False)

    op.create_table('record_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('requester_kind', sa.String(length=16), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('requester_organisation', sa.String(length=200), nullable=False),
    sa.Column('requester_address', sa.Text(), nullable=False),
    sa.Column('consent_signed_on', sa.Date(), nullable=True),
    sa.Column('consent_filename', sa.String(length=255), nullable=True),
    sa.Column('consent_document', sa.LargeBinary(), nullable=True),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=True),
    sa.Column('period_to', sa.Date(), nullable=True),
    sa.Column('document_kinds', sa.JSON(), nullable=False),
    sa.Column('scope_text', sa.Text(), nullable=False),
    sa.Column('delivery', sa.String(length=12), nullable=False),
    sa.Column('first_copy', sa.Boolean(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('breach_date', sa.Date(), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('decider_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_received_on', sa.Date(), nullable=True),
    sa.Column('decision_letter_id', sa.Integer(), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('fee_sek', sa.Integer(), nullable=True),
    sa.Column('delivered_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_by_id', sa.Integer(), nullable=True),
    sa.Column('id_check', sa.String(length=200), nullable=False),
    sa.Column('handled_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_record_request_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], name=op.f('fk_record_request_decided_by_id_app_user')),
    sa.ForeignKeyConstraint(['decider_id'], ['app_user.id'], name=op.f('fk_record_request_decider_id_app_user')),
    sa.ForeignKeyConstraint(['delivered_by_id'], ['app_user.id'], name=op.f('fk_record_request_delivered_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_record_request_patient_id_patient')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['app_user.id'], name=op.f('fk_record_request_prepared_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_record_request_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_request'))
    )
    with op.batch_alter_table('record_request', schema=None) as batch_op:
        batch_op.create_index('ix_record_request_patient', ['patient_id'], unique=False)
        batch_op.create_index('ix_record_request_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('record_unit_rules',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('target_days', sa.Integer(), nullable=False),
    sa.Column('breach_days', sa.Integer(), nullable=False),
    sa.Column('free_pages', sa.Integer(), nullable=False),
    sa.Column('first_charged_page_sek', sa.Integer(), nullable=False),
    sa.Column('further_page_sek', sa.Integer(), nullable=False),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_record_unit_rules_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_record_unit_rules'))
    )
    op.create_table('record_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('in_time', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_record_appeal_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['request_id'], ['record_request.id'], name=op.f('fk_record_appeal_request_id_record_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_appeal'))
    )
    with op.batch_alter_table('record_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_appeal_request_id'), ['request_id'], unique=False)

    op.create_table('record_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('fee_sek', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_record_release_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['request_id'], ['record_request.id'], name=op.f('fk_record_release_request_id_record_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_release'))
    )
    with op.batch_alter_table('record_release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_release_request_id'), ['request_id'], unique=False)

    op.create_table('record_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=True),
    sa.Column('legal_ground', sa.String(length=12), nullable=True),
    sa.Column('legal_ground_text', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['record_request.id'], name=op.f('fk_record_document_request_id_record_request')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], name=op.f('fk_record_document_reviewed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_document')),
    sa.UniqueConstraint('request_id', 'source', 'source_id', 'source_version', name=op.f('uq_record_document_request_id_source_source_id_source_version'))
    )
    with op.batch_alter_table('record_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_document_request_id'), ['request_id'], unique=False)

    op.create_table('record_request_event',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_record_request_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['request_id'], ['record_request.id'], name=op.f('fk_record_request_event_request_id_record_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_request_event'))
    )
    with op.batch_alter_table('record_request_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_request_event_request_id'), ['request_id'], unique=False)

    op.create_table('record_document_mask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.Integer(), nullable=False),
    sa.Column('end_at', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start_at >= 0 AND end_at > start_at', name=op.f('ck_record_document_mask_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_record_document_mask_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['document_id'], ['record_document.id'], name=op.f('fk_record_document_mask_document_id_record_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_document_mask'))
    )
    with op.batch_alter_table('record_document_mask', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_document_mask_document_id'), ['document_id'], unique=False)



def downgrade() -> None:
    """Revert this migration."""
    """Revert this migration."""
    with op.batch_alter_table('record_document_mask', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_document_mask_document_id'))

    op.drop_table('record_document_mask')
    with op.batch_alter_table('record_request_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_request_event_request_id'))

    op.drop_table('record_request_event')
    with op.batch_alter_table('record_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_document_request_id'))

    op.drop_table('record_document')
    with op.batch_alter_table('record_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_release_request_id'))

    op.drop_table('record_release')
    with op.batch_alter_table('record_appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_appeal_request_id'))

    op.drop_table('record_appeal')
    op.drop_table('record_unit_rules')
    with op.batch_alter_table('record_request', schema=None) as batch_op:
        batch_op.drop_index('ix_record_request_unit_status')
        batch_op.drop_index('ix_record_request_patient')

    op.drop_table('record_request')
    with op.batch_alter_table('record_delegation', schema=None) as batch_op:
        batch_op.drop_index('ix_record_delegation_unit')

    op.drop_table('record_delegation')
