"""Access rights: systems catalogue, role profiles, risk analyses, orders, introductions, reviews

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0025"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    """Apply this migration."""
    op.create_table("access_policy",
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("review_months", sa.Integer(), nullable=False),
    sa.Column("inactive_days", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"], name=op.f("fk_access_policy_unit_id_care_unit")),
    sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_access_policy"))
    )
    op.create_table("access_review",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("due_on", sa.Date(), nullable=False),
    sa.Column("started_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("done_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("done_by", sa.Integer(), nullable=True),
    sa.Column("escalated_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("note", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["done_by"], ["app_user.id"], name=op.f("fk_access_review_done_by_app_user")),
    sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"], name=op.f("fk_access_review_unit_id_care_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review"))
    )
    with op.batch_alter_table("access_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_review_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_review_unit_id"), ["unit_id"], unique=False)

    op.create_table("access_system",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=120), nullable=False),
    sa.Column("code", sa.String(length=30), nullable=False),
    sa.Column("carried_by", sa.String(length=120), nullable=False),
    sa.Column("task_label", sa.String(length=200), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"], name=op.f("fk_access_system_unit_id_care_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_access_system")),
    sa.UniqueConstraint("unit_id", "name", name=op.f("uq_access_system_unit_id_name"))
    )
    with op.batch_alter_table("access_system", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_system_unit_id"), ["unit_id"], unique=False)

    op.create_table("role_profile",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=120), nullable=False),
    sa.Column("kulisser_role", sa.String(length=20), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("created_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"], name=op.f("fk_role_profile_unit_id_care_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_role_profile")),
    sa.UniqueConstraint("unit_id", "name", name=op.f("uq_role_profile_unit_id_name"))
    )
    with op.batch_alter_table("role_profile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_profile_unit_id"), ["unit_id"], unique=False)

    op.create_table("intro_template_task",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("profile_id", sa.Integer(), nullable=False),
    sa.Column("phase", sa.String(length=12), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("owner", sa.String(length=20), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["profile_id"], ["role_profile.id"], name=op.f("fk_intro_template_task_profile_id_role_profile")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_intro_template_task"))
    )
    with op.batch_alter_table("intro_template_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intro_template_task_profile_id"), ["profile_id"], unique=False)

    op.create_table("introduction",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("person_id", sa.Integer(), nullable=False),
    sa.Column("profile_id", sa.Integer(), nullable=True),
    sa.Column("start_on", sa.Date(), nullable=False),
    sa.Column("mentor_id", sa.Integer(), nullable=True),
    sa.Column("started_by", sa.Integer(), nullable=True),
    sa.Column("started_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("done_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["mentor_id"], ["app_user.id"], name=op.f("fk_introduction_mentor_id_app_user")),
    sa.ForeignKeyConstraint(["person_id"], ["staff_person.id"], name=op.f("fk_introduction_person_id_staff_person")),
    sa.ForeignKeyConstraint(["profile_id"], ["role_profile.id"], name=op.f("fk_introduction_profile_id_role_profile")),
    sa.ForeignKeyConstraint(["started_by"], ["app_user.id"], name=op.f("fk_introduction_started_by_app_user")),
    sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"], name=op.f("fk_introduction_unit_id_care_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_introduction"))
    )
    with op.batch_alter_table("introduction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_introduction_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_introduction_unit_id"), ["unit_id"], unique=False)

    op.create_table("risk_analysis",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("profile_id", sa.Integer(), nullable=False),
    sa.Column("made_on", sa.Date(), nullable=False),
    sa.Column("author", sa.String(length=200), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("file_name", sa.String(length=200), nullable=True),
    sa.Column("file_sha256", sa.String(length=64), nullable=True),
    sa.Column("next_review", sa.Date(), nullable=False),
    sa.Column("created_by", sa.Integer(), nullable=True),
    sa.Column("created_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_risk_analysis_created_by_app_user")),
    sa.ForeignKeyConstraint(["profile_id"], ["role_profile.id"], name=op.f("fk_risk_analysis_profile_id_role_profile")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_analysis"))
    )
    with op.batch_alter_table("risk_analysis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_analysis_profile_id"), ["profile_id"], unique=False)

    op.create_table("role_profile_system",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("profile_id", sa.Integer(), nullable=False),
    sa.Column("system_id", sa.Integer(), nullable=False),
    sa.Column("access_profile", sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(["profile_id"], ["role_profile.id"], name=op.f("fk_role_profile_system_profile_id_role_profile")),
    sa.ForeignKeyConstraint(["system_id"], ["access_system.id"], name=op.f("fk_role_profile_system_system_id_access_system")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_role_profile_system")),
    sa.UniqueConstraint("profile_id", "system_id", name=op.f("uq_role_profile_system_profile_id_system_id"))
    )
    with op.batch_alter_table("role_profile_system", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_profile_system_profile_id"), ["profile_id"], unique=False)

    op.create_table("access_order",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("person_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("status", sa.String(length=24), nullable=False),
    sa.Column("profile_id", sa.Integer(), nullable=True),
    sa.Column("analysis_id", sa.Integer(), nullable=True),
    sa.Column("effective_on", sa.Date(), nullable=False),
    sa.Column("due_on", sa.Date(), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("ordered_by", sa.Integer(), nullable=False),
    sa.Column("ordered_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("decided_by", sa.Integer(), nullable=True),
    sa.Column("decided_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("decision_note", sa.Text(), nullable=False),
    sa.Column("done_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("review_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["analysis_id"], ["risk_analysis.id"], name=op.f("fk_access_order_analysis_id_risk_analysis")),
    sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"], name=op.f("fk_access_order_decided_by_app_user")),
    sa.ForeignKeyConstraint(["ordered_by"], ["app_user.id"], name=op.f("fk_access_order_ordered_by_app_user")),
    sa.ForeignKeyConstraint(["person_id"], ["staff_person.id"], name=op.f("fk_access_order_person_id_staff_person")),
    sa.ForeignKeyConstraint(["profile_id"], ["role_profile.id"], name=op.f("fk_access_order_profile_id_role_profile")),
    sa.ForeignKeyConstraint(["review_id"], ["access_review.id"], name=op.f("fk_access_order_review_id_access_review")),
    sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"], name=op.f("fk_access_order_unit_id_care_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_access_order"))
    )
    with op.batch_alter_table("access_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_order_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_order_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_order_unit_id"), ["unit_id"], unique=False)

    op.create_table("introduction_task",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("introduction_id", sa.Integer(), nullable=False),
    sa.Column("phase", sa.String(length=12), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("owner_id", sa.Integer(), nullable=True),
    sa.Column("due_on", sa.Date(), nullable=False),
    sa.Column("done_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("done_by", sa.Integer(), nullable=True),
    sa.Column("note", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["done_by"], ["app_user.id"], name=op.f("fk_introduction_task_done_by_app_user")),
    sa.ForeignKeyConstraint(["introduction_id"], ["introduction.id"], name=op.f("fk_introduction_task_introduction_id_introduction")),
    sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"], name=op.f("fk_introduction_task_owner_id_app_user")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_introduction_task"))
    )
    with op.batch_alter_table("introduction_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_introduction_task_introduction_id"), ["introduction_id"], unique=False)

    op.create_table("access_catalogue_event",
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("profile_id", sa.Integer(), nullable=True),
    sa.Column("system_id", sa.Integer(), nullable=True),
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("type", sa.String(length=30), nullable=False),
    sa.Column("from_status", sa.String(length=24), nullable=True),
    sa.Column("to_status", sa.String(length=24), nullable=True),
    sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_access_catalogue_event_actor_id_app_user")),
    sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"], name=op.f("fk_access_catalogue_event_unit_id_care_unit")),
    sa.ForeignKeyConstraint(["profile_id"], ["role_profile.id"], name=op.f("fk_access_catalogue_event_profile_id_role_profile")),
    sa.ForeignKeyConstraint(["system_id"], ["access_system.id"], name=op.f("fk_access_catalogue_event_system_id_access_system")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_access_catalogue_event"))
    )
    with op.batch_alter_table("access_catalogue_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_catalogue_event_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_catalogue_event_profile_id"), ["profile_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_catalogue_event_system_id"), ["system_id"], unique=False)

    op.create_table("access_order_event",
    sa.Column("order_id", sa.Integer(), nullable=False),
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("type", sa.String(length=30), nullable=False),
    sa.Column("from_status", sa.String(length=24), nullable=True),
    sa.Column("to_status", sa.String(length=24), nullable=True),
    sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_access_order_event_actor_id_app_user")),
    sa.ForeignKeyConstraint(["order_id"], ["access_order.id"], name=op.f("fk_access_order_event_order_id_access_order")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_access_order_event"))
    )
    with op.batch_alter_table("access_order_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_order_event_order_id"), ["order_id"], unique=False)

    op.create_table("access_order_line",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("order_id", sa.Integer(), nullable=False),
    sa.Column("system_id", sa.Integer(), nullable=False),
    sa.Column("action", sa.String(length=10), nullable=False),
    sa.Column("access_profile", sa.String(length=200), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("done_by", sa.Integer(), nullable=True),
    sa.Column("done_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("done_note", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["done_by"], ["app_user.id"], name=op.f("fk_access_order_line_done_by_app_user")),
    sa.ForeignKeyConstraint(["order_id"], ["access_order.id"], name=op.f("fk_access_order_line_order_id_access_order")),
    sa.ForeignKeyConstraint(["system_id"], ["access_system.id"], name=op.f("fk_access_order_line_system_id_access_system")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_access_order_line"))
    )
    with op.batch_alter_table("access_order_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_order_line_order_id"), ["order_id"], unique=False)

    op.create_table("access_review_line",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("review_id", sa.Integer(), nullable=False),
    sa.Column("person_id", sa.Integer(), nullable=False),
    sa.Column("system_id", sa.Integer(), nullable=False),
    sa.Column("access_profile", sa.String(length=200), nullable=False),
    sa.Column("decision", sa.String(length=10), nullable=True),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("decided_by", sa.Integer(), nullable=True),
    sa.Column("decided_at", kulisser.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column("order_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"], name=op.f("fk_access_review_line_decided_by_app_user")),
    sa.ForeignKeyConstraint(["order_id"], ["access_order.id"], name=op.f("fk_access_review_line_order_id_access_order")),
    sa.ForeignKeyConstraint(["person_id"], ["staff_person.id"], name=op.f("fk_access_review_line_person_id_staff_person")),
    sa.ForeignKeyConstraint(["review_id"], ["access_review.id"], name=op.f("fk_access_review_line_review_id_access_review")),
    sa.ForeignKeyConstraint(["system_id"], ["access_system.id"], name=op.f("fk_access_review_line_system_id_access_system")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review_line")),
    sa.UniqueConstraint("review_id", "person_id", "system_id", name=op.f("uq_access_review_line_review_id_person_id_system_id"))
    )
    with op.batch_alter_table("access_review_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_review_line_review_id"), ["review_id"], unique=False)

    op.create_table("person_system_access",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("person_id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("system_id", sa.Integer(), nullable=False),
    sa.Column("access_profile", sa.String(length=200), nullable=False),
    sa.Column("since", sa.Date(), nullable=False),
    sa.Column("ended_on", sa.Date(), nullable=True),
    sa.Column("line_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["line_id"], ["access_order_line.id"], name=op.f("fk_person_system_access_line_id_access_order_line")),
    sa.ForeignKeyConstraint(["person_id"], ["staff_person.id"], name=op.f("fk_person_system_access_person_id_staff_person")),
    sa.ForeignKeyConstraint(["system_id"], ["access_system.id"], name=op.f("fk_person_system_access_system_id_access_system")),
    sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"], name=op.f("fk_person_system_access_unit_id_care_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_person_system_access"))
    )
    with op.batch_alter_table("person_system_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_system_access_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_system_access_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    """Revert this migration."""
    with op.batch_alter_table("person_system_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_system_access_unit_id"))
        batch_op.drop_index(batch_op.f("ix_person_system_access_person_id"))

    op.drop_table("person_system_access")
    with op.batch_alter_table("access_review_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_review_line_review_id"))

    op.drop_table("access_review_line")
    with op.batch_alter_table("access_order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_order_line_order_id"))

    op.drop_table("access_order_line")
    with op.batch_alter_table("access_catalogue_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_catalogue_event_system_id"))
        batch_op.drop_index(batch_op.f("ix_access_catalogue_event_profile_id"))
        batch_op.drop_index(batch_op.f("ix_access_catalogue_event_unit_id"))

    op.drop_table("access_catalogue_event")
    with op.batch_alter_table("access_order_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_order_event_order_id"))

    op.drop_table("access_order_event")
    with op.batch_alter_table("introduction_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_introduction_task_introduction_id"))

    op.drop_table("introduction_task")
    with op.batch_alter_table("access_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_order_unit_id"))
        batch_op.drop_index(batch_op.f("ix_access_order_status"))
        batch_op.drop_index(batch_op.f("ix_access_order_person_id"))

    op.drop_table("access_order")
    with op.batch_alter_table("role_profile_system", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_profile_system_profile_id"))

    op.drop_table("role_profile_system")
    with op.batch_alter_table("risk_analysis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_analysis_profile_id"))

    op.drop_table("risk_analysis")
    with op.batch_alter_table("introduction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_introduction_unit_id"))
        batch_op.drop_index(batch_op.f("ix_introduction_person_id"))

    op.drop_table("introduction")
    with op.batch_alter_table("intro_template_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intro_template_task_profile_id"))

    op.drop_table("intro_template_task")
    with op.batch_alter_table("role_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_profile_unit_id"))

    op.drop_table("role_profile")
    with op.batch_alter_table("access_system", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_system_unit_id"))

    op.drop_table("access_system")
    with op.batch_alter_table("access_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_review_unit_id"))
        batch_op.drop_index(batch_op.f("ix_access_review_status"))

    op.drop_table("access_review")
    op.drop_table("access_policy")
