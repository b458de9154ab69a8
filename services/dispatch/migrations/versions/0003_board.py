"""The queue UI's board: current state of every case, and per-unit marks for the rates.

Revision ID: dispatch_0003
Revises: dispatch_0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dispatch_0003"
down_revision: str | None = "dispatch_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_cases",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("unit_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("tier", sa.String(16), nullable=False, server_default=""),
        sa.Column("district_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("township_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("topic", sa.String(32), nullable=False, server_default=""),
        sa.Column("difficulty", sa.String(16), nullable=False, server_default=""),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("light", sa.String(8), nullable=False, server_default="green"),
        sa.Column("accept_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
        sa.Column("supervised", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("extension_pending", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("extension_note", sa.Text, nullable=False, server_default=""),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sla_stale", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("sla_tries", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_board_unit", "board_cases", ["unit_id", "state"])
    op.create_index("ix_board_township", "board_cases", ["township_id", "state"])
    op.create_index(
        "ix_board_stale", "board_cases", ["case_no"], postgresql_where=sa.text("sla_stale")
    )
    op.create_table(
        "board_marks",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("mark", sa.String(24), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_board_marks_at", "board_marks", ["at"])


def downgrade() -> None:
    op.drop_table("board_marks")
    op.drop_table("board_cases")
