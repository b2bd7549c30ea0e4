"""Schedules, slots and bookings

Resources (clinicians, rooms, equipment), visit types, recurring templates, exceptions, slots,
appointments and their history. A slot is never booked twice: the partial unique index
ix_appointment_slot_occupied allows one occupying appointment (booked or noshow) per slot.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('schedule_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_schedule_resource_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_schedule_resource_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_resource')),
    sa.UniqueConstraint('unit_id', 'name', name=op.f('uq_schedule_resource_unit_id_name')),
    sa.UniqueConstraint('unit_id', 'user_id', name=op.f('uq_schedule_resource_unit_id_user_id'))
    )
    op.create_table('visit_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_visit_type_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_type')),
    sa.UniqueConstraint('unit_id', 'code', name=op.f('uq_visit_type_unit_id_code'))
    )
    op.create_table('schedule_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_schedule_exception_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['resource_id'], ['schedule_resource.id'], name=op.f('fk_schedule_exception_resource_id_schedule_resource')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_schedule_exception_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_exception'))
    )
    with op.batch_alter_table('schedule_exception', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_exception_unit_dates', ['unit_id', 'start_date', 'end_date'], unique=False)

    op.create_table('schedule_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('visit_type_id', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.String(length=7), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_schedule_template_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['resource_id'], ['schedule_resource.id'], name=op.f('fk_schedule_template_resource_id_schedule_resource')),
    sa.ForeignKeyConstraint(['visit_type_id'], ['visit_type.id'], name=op.f('fk_schedule_template_visit_type_id_visit_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_template'))
    )
    with op.batch_alter_table('schedule_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_template_resource_id'), ['resource_id'], unique=False)

    op.create_table('slot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('visit_type_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('start_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('exception_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exception_id'], ['schedule_exception.id'], name=op.f('fk_slot_exception_id_schedule_exception')),
    sa.ForeignKeyConstraint(['resource_id'], ['schedule_resource.id'], name=op.f('fk_slot_resource_id_schedule_resource')),
    sa.ForeignKeyConstraint(['template_id'], ['schedule_template.id'], name=op.f('fk_slot_template_id_schedule_template')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_slot_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['visit_type_id'], ['visit_type.id'], name=op.f('fk_slot_visit_type_id_visit_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot')),
    sa.UniqueConstraint('resource_id', 'start_at', name=op.f('uq_slot_resource_id_start_at'))
    )
    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.create_index('ix_slot_unit_status_start', ['unit_id', 'status', 'start_at'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('visit_type_id', sa.Integer(), nullable=False),
    sa.Column('start_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('waitlist_entry_id', sa.Integer(), nullable=True),
    sa.Column('booked_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rebook_count', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.String(length=10), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('no_show_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['app_user.id'], name=op.f('fk_appointment_booked_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_appointment_patient_id_patient')),
    sa.ForeignKeyConstraint(['resource_id'], ['schedule_resource.id'], name=op.f('fk_appointment_resource_id_schedule_resource')),
    sa.ForeignKeyConstraint(['slot_id'], ['slot.id'], name=op.f('fk_appointment_slot_id_slot')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_appointment_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['visit_type_id'], ['visit_type.id'], name=op.f('fk_appointment_visit_type_id_visit_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_patient_start', ['patient_id', 'start_at'], unique=False)
        batch_op.create_index('ix_appointment_slot_occupied', ['slot_id'], unique=True, postgresql_where=sa.text("status IN ('booked', 'noshow')"), sqlite_where=sa.text("status IN ('booked', 'noshow')"))
        batch_op.create_index('ix_appointment_unit_start', ['unit_id', 'start_at'], unique=False)

    op.create_table('appointment_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('appointment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('slot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('start_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_appointment_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_appointment_event_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_appointment_event_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_event'))
    )
    with op.batch_alter_table('appointment_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_event_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index('ix_appointment_event_patient_at', ['patient_id', 'at'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('appointment_event', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_event_patient_at')
        batch_op.drop_index(batch_op.f('ix_appointment_event_appointment_id'))

    op.drop_table('appointment_event')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_unit_start')
        batch_op.drop_index('ix_appointment_slot_occupied', postgresql_where=sa.text("status IN ('booked', 'noshow')"), sqlite_where=sa.text("status IN ('booked', 'noshow')"))
        batch_op.drop_index('ix_appointment_patient_start')

    op.drop_table('appointment')
    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.drop_index('ix_slot_unit_status_start')

    op.drop_table('slot')
    with op.batch_alter_table('schedule_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_template_resource_id'))

    op.drop_table('schedule_template')
    with op.batch_alter_table('schedule_exception', schema=None) as batch_op:
        batch_op.drop_index('ix_schedule_exception_unit_dates')

    op.drop_table('schedule_exception')
    op.drop_table('visit_type')
    op.drop_table('schedule_resource')
