"""The queue UI's board moved to the desk service, which keeps it in its own database.

Revision ID: dispatch_0004
Revises: dispatch_0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "dispatch_0004"
down_revision: str | None = "dispatch_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A read model only: the desk folds its own from the case events.
    op.drop_table("board_marks")
    op.drop_table("board_cases")


def downgrade() -> None:
    raise NotImplementedError("the board lives in the desk's database now")
