"""The staff register: people, their assignments (medarbetaruppdrag) and each person's history

Revision ID: 0022
Revises: 0024
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0022"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "staff_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("hsa_id", sa.String(length=64), nullable=False),
        sa.Column("profession", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_staff_person_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_person")),
        sa.UniqueConstraint("hsa_id", name=op.f("uq_staff_person_hsa_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_staff_person_user_id")),
    )
    op.create_table(
        "staff_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("commission_hsa_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["staff_person.id"],
                                name=op.f("fk_staff_assignment_person_id_staff_person")),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_staff_assignment_unit_id_care_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_assignment")),
        sa.UniqueConstraint("commission_hsa_id",
                            name=op.f("uq_staff_assignment_commission_hsa_id")),
    )
    op.create_index(op.f("ix_staff_assignment_person_id"), "staff_assignment", ["person_id"])
    op.create_index(op.f("ix_staff_assignment_unit_id"), "staff_assignment", ["unit_id"])
    op.create_table(
        "staff_person_event",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"],
                                name=op.f("fk_staff_person_event_actor_id_app_user")),
        sa.ForeignKeyConstraint(["person_id"], ["staff_person.id"],
                                name=op.f("fk_staff_person_event_person_id_staff_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_person_event")),
    )
    op.create_index(op.f("ix_staff_person_event_person_id"), "staff_person_event", ["person_id"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("staff_person_event")
    op.drop_index(op.f("ix_staff_assignment_unit_id"), table_name="staff_assignment")
    op.drop_index(op.f("ix_staff_assignment_person_id"), table_name="staff_assignment")
    op.drop_table("staff_assignment")
    op.drop_table("staff_person")
