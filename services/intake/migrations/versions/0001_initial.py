"""Cases, the daily case-number counter and the outbox.

Revision ID: intake_0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.tables import create_common_tables_v1, drop_common_tables

revision: str = "intake_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("caller_name", sa.String(64), nullable=True),
        sa.Column("caller_phone", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("grid_code", sa.String(64), nullable=True),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(32), nullable=False, server_default="received"),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cases_caller_phone", "cases", ["caller_phone", "received_at"])
    op.create_table(
        "case_counters",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    create_common_tables_v1()


def downgrade() -> None:
    drop_common_tables()
    op.drop_table("case_counters")
    op.drop_table("cases")
