"""Indexes for the work lists: a district's cases by state (a district supervisor's and the
12345 centre's tabs), every case by state (the admin's), callers waiting for a callback, and
finished cases newest first within each scope (已办结, most of the board in time).

Revision ID: desk_0005
Revises: desk_0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "desk_0005"
down_revision: str | None = "desk_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FINISHED = "state IN ('resolved', 'closed')"
# (index, scope column or None for everyone)
FINISHED_INDEXES = (
    ("ix_board_unit_finished", "unit_id"),
    ("ix_board_township_finished", "township_id"),
    ("ix_board_district_finished", "district_id"),
    ("ix_board_finished", None),
)


def finished_order() -> list[sa.TextClause]:
    """The 已办结 list's order (services/desk/board/queries.py, _order)."""
    return [
        sa.text("coalesce(closed_at, resolved_at) DESC NULLS LAST"),
        sa.text("case_no DESC"),
    ]


def upgrade() -> None:
    op.create_index("ix_board_district", "board_cases", ["district_id", "state"])
    op.create_index("ix_board_state", "board_cases", ["state", "resolve_due"])
    op.create_index(
        "ix_record_callers_callback",
        "record_callers",
        ["case_no"],
        postgresql_where=sa.text("callback_consent AND NOT anonymous"),
    )
    for name, scope in FINISHED_INDEXES:
        columns = [sa.text(scope)] if scope else []
        op.create_index(
            name, "board_cases", [*columns, *finished_order()], postgresql_where=sa.text(FINISHED)
        )


def downgrade() -> None:
    for name, _ in reversed(FINISHED_INDEXES):
        op.drop_index(name, table_name="board_cases")
    op.drop_index("ix_record_callers_callback", table_name="record_callers")
    op.drop_index("ix_board_state", table_name="board_cases")
    op.drop_index("ix_board_district", table_name="board_cases")
