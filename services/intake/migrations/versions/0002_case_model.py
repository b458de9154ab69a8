"""Case model for a 12345 centre: operator, anonymity, callback consent, position,
attachments, repeat-call link, closure; Idempotency-Key records.

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "intake_0002"
down_revision: str | None = "intake_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("cases", "caller_phone", existing_type=sa.String(32), nullable=True)
    op.add_column("cases", sa.Column("operator", sa.String(64), nullable=True))
    op.add_column(
        "cases", sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column(
        "cases",
        sa.Column("callback_consent", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("cases", sa.Column("urgent_reason", sa.String(200), nullable=True))
    op.add_column("cases", sa.Column("latitude", sa.Float, nullable=True))
    op.add_column("cases", sa.Column("longitude", sa.Float, nullable=True))
    op.add_column(
        "cases",
        sa.Column(
            "attachments", postgresql.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")
        ),
    )
    op.add_column("cases", sa.Column("service_code", sa.String(16), nullable=True))
    op.add_column("cases", sa.Column("repeat_of", sa.String(20), nullable=True))
    op.add_column("cases", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_cases_repeat_of", "cases", ["repeat_of"])
    op.create_index("ix_cases_received_at", "cases", ["received_at"])
    op.create_index("ix_cases_event_id", "cases", ["event_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("case_no", sa.String(20), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_index("ix_cases_event_id", "cases")
    op.drop_index("ix_cases_received_at", "cases")
    op.drop_index("ix_cases_repeat_of", "cases")
    for column in (
        "closed_at",
        "repeat_of",
        "service_code",
        "attachments",
        "longitude",
        "latitude",
        "urgent_reason",
        "callback_consent",
        "anonymous",
        "operator",
    ):
        op.drop_column("cases", column)
    op.alter_column("cases", "caller_phone", existing_type=sa.String(32), nullable=False)
