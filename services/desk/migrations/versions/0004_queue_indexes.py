"""Indexes for the work lists: a district's cases by state (a district supervisor's and the
12345 centre's tabs), every case by state (the admin's), and callers waiting for a callback.

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
    op.create_index("ix_board_district", "board_cases", ["district_id", "state"])
    op.create_index("ix_board_state", "board_cases", ["state", "resolve_due"])
    op.create_index(
        "ix_record_callers_callback",
        "record_callers",
        ["case_no"],
        postgresql_where=sa.text("callback_consent AND NOT anonymous"),
    )


def downgrade() -> None:
    op.drop_index("ix_record_callers_callback", table_name="record_callers")
    op.drop_index("ix_board_state", table_name="board_cases")
    op.drop_index("ix_board_district", table_name="board_cases")
