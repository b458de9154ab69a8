"""The request type (诉求类型) on the board's row of each case.

Revision ID: desk_0004
Revises: desk_0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "desk_0004"
down_revision: str | None = "desk_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Cases folded before types keep "" (未分类); a rebuild fills the rest from the record.
    op.add_column(
        "board_cases",
        sa.Column("request_type", sa.String(16), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("board_cases", "request_type")
