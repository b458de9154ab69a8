"""Patrol reports closed on the spot (就地办结): what the grid worker did.

Revision ID: intake_0006_grid
Revises: intake_0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0006_grid"
down_revision: str | None = "intake_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("on_spot_note", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "on_spot_note")
