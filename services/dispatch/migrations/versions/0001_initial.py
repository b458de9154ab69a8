"""Assignments, the outbox and consumed-event ids.

Revision ID: dispatch_0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from services.common.tables import create_common_tables_v1, drop_common_tables

revision: str = "dispatch_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("grid_code", sa.String(64), nullable=True),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("difficulty", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("unit_name", sa.String(128), nullable=False),
        sa.Column("co_unit_ids", JSONB, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("major", sa.Boolean, nullable=False),
        sa.Column("manual", sa.Boolean, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_assignments_unit", "assignments", ["unit_id", "dispatched_at"])
    create_common_tables_v1()


def downgrade() -> None:
    drop_common_tables()
    op.drop_table("assignments")
