"""The monthly report to leadership: reports kept, the manager's text, sends (issue 15 item 5)

Revision ID: 0034
Revises: 0029
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kulisser.db

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "stats_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_key", sa.String(length=24), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("job_key", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["care_unit.id"],
                                name=op.f("fk_stats_report_unit_id_care_unit")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_stats_report_created_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_report")),
        sa.UniqueConstraint("scope_key", "month", "version",
                            name=op.f("uq_stats_report_scope_key_month_version")),
        sa.UniqueConstraint("job_key", name=op.f("uq_stats_report_job_key")),
    )
    op.create_table(
        "stats_report_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_key", sa.String(length=24), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"],
                                name=op.f("fk_stats_report_text_updated_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_report_text")),
        sa.UniqueConstraint("scope_key", "month", name=op.f("uq_stats_report_text_scope_key_month")),
    )
    op.create_table(
        "stats_report_send",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("sent_at", kulisser.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["stats_report.id"],
                                name=op.f("fk_stats_report_send_report_id_stats_report")),
        sa.ForeignKeyConstraint(["sent_by_id"], ["app_user.id"],
                                name=op.f("fk_stats_report_send_sent_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_report_send")),
        sa.UniqueConstraint("report_id", "recipient",
                            name=op.f("uq_stats_report_send_report_id_recipient")),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("stats_report_send")
    op.drop_table("stats_report_text")
    op.drop_table("stats_report")
