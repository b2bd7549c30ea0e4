"""Patient-register export runs (coding_register_export)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('coding_register_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('layout_version', sa.String(length=16), nullable=False),
    sa.Column('created_at', kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('reported', sa.Integer(), nullable=False),
    sa.Column('listed', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_coding_register_export_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['care_unit.id'], name=op.f('fk_coding_register_export_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_register_export')),
    sa.UniqueConstraint('unit_id', 'month', 'version', name=op.f('uq_coding_register_export_unit_id_month_version'))
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('coding_register_export')
