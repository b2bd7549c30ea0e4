"""Waiting list with the care guarantee (vårdgarantin): entries, offers, excluded periods,
their history, guarantee limits per unit or region, and each unit's waiting-list settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('guarantee_limit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('wait_kind', sa.String(length=20), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('changed_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(unit_id IS NULL) <> (region IS NULL)', name=op.f('ck_guarantee_limit_one_scope')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], name=op.f('fk_guarantee_limit_changed_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_guarantee_limit_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guarantee_limit')),
    sa.UniqueConstraint('region', 'wait_kind', name=op.f('uq_guarantee_limit_region_wait_kind')),
    sa.UniqueConstraint('unit_id', 'wait_kind', name=op.f('uq_guarantee_limit_unit_id_wait_kind'))
    )
    op.create_table('waitlist_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('wait_kind', sa.String(length=20), nullable=False),
    sa.Column('clock_start', sa.Date(), nullable=False),
    sa.Column('limit_days', sa.Integer(), nullable=True),
    sa.Column('source_type', sa.String(length=40), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('medical_target_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('ended_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_reason', sa.Text(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_waitlist_entry_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_waitlist_entry_patient_id_patient')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_waitlist_entry_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entry'))
    )
    with op.batch_alter_table('waitlist_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_entry_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_waitlist_entry_source', ['source_type', 'source_id'], unique=False)
        batch_op.create_index('ix_waitlist_entry_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('waitlist_setting',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('at_risk_days', sa.Integer(), nullable=False),
    sa.Column('changed_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], name=op.f('fk_waitlist_setting_changed_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_waitlist_setting_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_waitlist_setting'))
    )
    op.create_table('waitlist_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_waitlist_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['entry_id'], ['waitlist_entry.id'], name=op.f('fk_waitlist_event_entry_id_waitlist_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_event'))
    )
    with op.batch_alter_table('waitlist_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_event_entry_id'), ['entry_id'], unique=False)

    op.create_table('waitlist_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('offered_on', sa.Date(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('informed', sa.Boolean(), nullable=False),
    sa.Column('response', sa.String(length=10), nullable=False),
    sa.Column('responded_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['waitlist_entry.id'], name=op.f('fk_waitlist_offer_entry_id_waitlist_entry')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_waitlist_offer_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_offer'))
    )
    with op.batch_alter_table('waitlist_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_offer_entry_id'), ['entry_id'], unique=False)

    op.create_table('waitlist_excluded_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['waitlist_entry.id'], name=op.f('fk_waitlist_excluded_period_entry_id_waitlist_entry')),
    sa.ForeignKeyConstraint(['offer_id'], ['waitlist_offer.id'], name=op.f('fk_waitlist_excluded_period_offer_id_waitlist_offer')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_waitlist_excluded_period_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_excluded_period'))
    )
    with op.batch_alter_table('waitlist_excluded_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_excluded_period_entry_id'), ['entry_id'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('waitlist_excluded_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_excluded_period_entry_id'))

    op.drop_table('waitlist_excluded_period')
    with op.batch_alter_table('waitlist_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_offer_entry_id'))

    op.drop_table('waitlist_offer')
    with op.batch_alter_table('waitlist_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_event_entry_id'))

    op.drop_table('waitlist_event')
    op.drop_table('waitlist_setting')
    with op.batch_alter_table('waitlist_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_entry_unit_status')
        batch_op.drop_index('ix_waitlist_entry_source')
        batch_op.drop_index(batch_op.f('ix_waitlist_entry_patient_id'))

    op.drop_table('waitlist_entry')
    op.drop_table('guarantee_limit')
