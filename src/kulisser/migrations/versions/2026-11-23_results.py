"""Results and referral replies to review and sign: results, their values, their history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('result',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('ordering_clinician_id', sa.Integer(), nullable=True),
    sa.Column('ordering_clinician_text', sa.String(length=100), nullable=True),
    sa.Column('source_system', sa.String(length=200), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=False),
    sa.Column('source_format', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('issued_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=False),
    sa.Column('abnormal', sa.Boolean(), nullable=False),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('import_note', sa.Text(), nullable=True),
    sa.Column('signed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('follow_up', sa.String(length=10), nullable=True),
    sa.Column('follow_up_note', sa.Text(), nullable=True),
    sa.Column('follow_up_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['follow_up_item_id'], ['work_item.id'], name=op.f('fk_result_follow_up_item_id_work_item')),
    sa.ForeignKeyConstraint(['ordering_clinician_id'], ['app_user.id'], name=op.f('fk_result_ordering_clinician_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_result_patient_id_patient')),
    sa.ForeignKeyConstraint(['received_by_id'], ['app_user.id'], name=op.f('fk_result_received_by_id_app_user')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['app_user.id'], name=op.f('fk_result_signed_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_result_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result')),
    sa.UniqueConstraint('source_system', 'source_id', name=op.f('uq_result_source_system_source_id'))
    )
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.create_index('ix_result_patient', ['patient_id'], unique=False)
        batch_op.create_index('ix_result_unit_status', ['unit_id', 'status', 'received_at'], unique=False)

    op.create_table('result_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('result_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_result_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_result_event_result_id_result')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_event'))
    )
    with op.batch_alter_table('result_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_event_result_id'), ['result_id'], unique=False)

    op.create_table('result_observation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('result_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('code_system', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('value_num', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('ref_low', sa.Float(), nullable=True),
    sa.Column('ref_high', sa.Float(), nullable=True),
    sa.Column('ref_text', sa.String(length=100), nullable=False),
    sa.Column('flag', sa.String(length=10), nullable=False),
    sa.Column('abnormal', sa.Boolean(), nullable=False),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_result_observation_result_id_result')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_observation'))
    )
    with op.batch_alter_table('result_observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_observation_result_id'), ['result_id'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('result_observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_observation_result_id'))

    op.drop_table('result_observation')
    with op.batch_alter_table('result_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_event_result_id'))

    op.drop_table('result_event')
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_index('ix_result_unit_status')
        batch_op.drop_index('ix_result_patient')

    op.drop_table('result')
