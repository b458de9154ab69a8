"""Delivery attempts for SMS, e-mail and webhooks; the callers of cases.

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "notify_0002"
down_revision: str | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("params", JSONB, nullable=False, server_default="{}"))
    op.add_column(
        "notifications", sa.Column("attempts", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column(
        "notifications", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("notifications", sa.Column("last_error", sa.Text, nullable=True))
    op.add_column(
        "notifications", sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Rows written before this step were in-app deliveries, delivered when recorded.
    op.execute("UPDATE notifications SET delivered_at = sent_at WHERE status = 'delivered'")
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "callers",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("callback_consent", sa.Boolean, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("callers")
    op.drop_index("ix_notifications_due", table_name="notifications")
    for column in ("delivered_at", "last_error", "next_attempt_at", "attempts", "params"):
        op.drop_column("notifications", column)
