"""联动办: the board's rows of co-units' parts of joint cases (board_parts).

Revision ID: desk_0008_parts
Revises: desk_0007_grid
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "desk_0008_parts"
down_revision: str | None = "desk_0007_grid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_parts",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("part_id", sa.String(64), primary_key=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("unit_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("tier", sa.String(16), nullable=False, server_default=""),
        sa.Column("district_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("township_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False, server_default="dispatched"),
        sa.Column("light", sa.String(8), nullable=False, server_default="green"),
        sa.Column("accept_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
        sa.Column("report", sa.Text, nullable=False, server_default=""),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_board_parts_unit", "board_parts", ["unit_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_board_parts_unit", table_name="board_parts")
    op.drop_table("board_parts")
