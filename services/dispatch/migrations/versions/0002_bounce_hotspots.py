"""Bounce, arbitration and hotspot state; decisions, arbitrations, corrections, case links.

Revision ID: dispatch_0002
Revises: dispatch_0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "dispatch_0002"
down_revision: str | None = "dispatch_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAGS = ("arbitration", "arbitrated", "batch", "merged")


def upgrade() -> None:
    op.add_column(
        "assignments", sa.Column("bounced_units", JSONB, nullable=False, server_default="[]")
    )
    for flag in _FLAGS:
        op.add_column(
            "assignments", sa.Column(flag, sa.Boolean, nullable=False, server_default="false")
        )
    op.add_column("assignments", sa.Column("parent_case_no", sa.String(20), nullable=True))
    op.add_column("assignments", sa.Column("ladder", JSONB, nullable=False, server_default="[]"))
    op.create_index("ix_assignments_recent", "assignments", ["topic", "received_at"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_no", sa.String(20), nullable=False, index=True),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=True),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "arbitrations",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("arbitrator_unit_id", sa.String(64), nullable=False),
        sa.Column("arbitrator_name", sa.String(128), nullable=False),
        sa.Column("bounced_units", JSONB, nullable=False),
        sa.Column("candidates", JSONB, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_unit_id", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "corrections",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_no", sa.String(20), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("suggested_topic", sa.String(32), nullable=False),
        sa.Column("suggested_difficulty", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("difficulty", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "case_links",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("linked_case_no", sa.String(20), primary_key=True),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("case_links", "corrections", "arbitrations", "decisions"):
        op.drop_table(table)
    op.drop_index("ix_assignments_recent", "assignments")
    for column in ("ladder", "parent_case_no", *_FLAGS, "bounced_units"):
        op.drop_column("assignments", column)
