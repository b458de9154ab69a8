"""Named handlers (承办人) with their backups (AB岗), and 重大疑难 cases' leaders (包案领导).

People: who heads their unit, whom they name as backup, whether they are away. The board:
whether a case is major, its named handler, its leader and the leader's plan (处置方案).

Revision ID: desk_0010_people
Revises: desk_0009_moves
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "desk_0010_people"
down_revision: str | None = "desk_0009_moves"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USER_COLUMNS = (
    sa.Column("unit_head", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("backup", sa.String(64), nullable=False, server_default=""),
    sa.Column("away", sa.Boolean, nullable=False, server_default="false"),
)


def board_columns() -> tuple[sa.Column[object], ...]:
    """What services/desk/tables.py adds to board_cases for people."""
    return (
        sa.Column("major", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("assignee", sa.String(64), nullable=False, server_default=""),
        sa.Column("assignee_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("leader", sa.String(64), nullable=False, server_default=""),
        sa.Column("leader_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("plan_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_state", sa.String(16), nullable=False, server_default=""),
    )


def upgrade() -> None:
    for column in USER_COLUMNS:
        op.add_column("users", column.copy())
    for column in board_columns():
        op.add_column("board_cases", column)
    # 我的: a person's cases (and those of colleagues they stand in for) by state.
    op.create_index(
        "ix_board_assignee",
        "board_cases",
        ["assignee", "state"],
        postgresql_where=sa.text("assignee <> ''"),
    )
    # The map's 重大疑难 list: major cases until closed.
    op.create_index(
        "ix_board_major",
        "board_cases",
        ["district_id"],
        postgresql_where=sa.text("major AND state <> 'closed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_board_major", table_name="board_cases")
    op.drop_index("ix_board_assignee", table_name="board_cases")
    for column in reversed(board_columns()):
        op.drop_column("board_cases", column.name)
    for column in reversed(USER_COLUMNS):
        op.drop_column("users", column.name)
