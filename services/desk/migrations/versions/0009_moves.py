"""The unit a pending 上报 asks to take a case over, and why (the board shows the request
on both sides: the unit that asked and the unit asked).

Revision ID: desk_0009_moves
Revises: desk_0008_parts
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "desk_0009_moves"
down_revision: str | None = "desk_0008_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "board_cases",
        sa.Column("takeover_unit_id", sa.String(64), nullable=False, server_default=""),
    )
    op.add_column(
        "board_cases", sa.Column("takeover_note", sa.Text, nullable=False, server_default="")
    )
    op.create_index(
        "ix_board_takeover",
        "board_cases",
        ["takeover_unit_id"],
        postgresql_where=sa.text("takeover_unit_id <> ''"),
    )


def downgrade() -> None:
    op.drop_index("ix_board_takeover", table_name="board_cases")
    op.drop_column("board_cases", "takeover_note")
    op.drop_column("board_cases", "takeover_unit_id")
