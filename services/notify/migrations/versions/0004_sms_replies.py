"""Citizens' SMS replies (上行短信) to the callback survey, kept before they are applied.

Revision ID: notify_0004
Revises: notify_0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0004"
down_revision: str | None = "notify_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_replies",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("msg_id", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("case_no", sa.String(20), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("msg_id", name="uq_sms_replies_msg"),
    )
    op.create_index(
        "ix_sms_replies_due",
        "sms_replies",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    # The phone's most recent survey is looked up for every reply.
    op.create_index(
        "ix_notifications_recipient_template",
        "notifications",
        ["recipient", "template", "sent_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_recipient_template", table_name="notifications")
    op.drop_index("ix_sms_replies_due", table_name="sms_replies")
    op.drop_table("sms_replies")
