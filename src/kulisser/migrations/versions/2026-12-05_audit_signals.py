"""Risk signals over the access log, the units' watch lists and signal settings (issue 13 item 6)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_index('ix_audit_event_flagged_at', 'audit_event', ['at'],
                    postgresql_where=sa.text("outcome <> 'allowed'"),
                    sqlite_where=sa.text("outcome <> 'allowed'"))
    op.create_table('audit_signal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('window_start', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('patients', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=True),
    sa.Column('found_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.String(length=20), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_audit_signal_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_audit_signal_user_id_app_user')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['app_user.id'], name=op.f('fk_audit_signal_reviewer_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_signal')),
    sa.UniqueConstraint('rule', 'unit_id', 'user_id', 'window_start', name='uq_audit_signal_rule_unit_id_user_id_window_start')
    )
    op.create_index('ix_audit_signal_unit_open', 'audit_signal', ['unit_id', 'reviewed_at'])
    op.create_table('audit_watch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_audit_watch_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_audit_watch_patient_id_patient')),
    sa.ForeignKeyConstraint(['added_by_id'], ['app_user.id'], name=op.f('fk_audit_watch_added_by_id_app_user')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['app_user.id'], name=op.f('fk_audit_watch_removed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_watch'))
    )
    op.create_index('ix_audit_watch_unit_patient', 'audit_watch', ['unit_id', 'patient_id'])
    op.create_table('audit_signal_setting',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('open_from', sa.Integer(), nullable=False),
    sa.Column('open_until', sa.Integer(), nullable=False),
    sa.Column('weekends_open', sa.Boolean(), nullable=False),
    sa.Column('rate_patients', sa.Integer(), nullable=False),
    sa.Column('rate_minutes', sa.Integer(), nullable=False),
    sa.Column('refusals', sa.Integer(), nullable=False),
    sa.Column('refusal_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_audit_signal_setting_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_audit_signal_setting'))
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('audit_signal_setting')
    op.drop_index('ix_audit_watch_unit_patient', table_name='audit_watch')
    op.drop_table('audit_watch')
    op.drop_index('ix_audit_signal_unit_open', table_name='audit_signal')
    op.drop_table('audit_signal')
    op.drop_index('ix_audit_event_flagged_at', table_name='audit_event')
