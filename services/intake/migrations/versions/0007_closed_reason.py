"""Why a case closed, as Open311 shows it: the close reason and its public detail (the
code of a rejection's reason, or the lead case a merged case closed with); no free text.

Revision ID: intake_0007_closed_reason
Revises: intake_0006_grid
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0007_closed_reason"
down_revision: str | None = "intake_0006_grid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("close_reason", sa.String(32), nullable=True))
    op.add_column("cases", sa.Column("close_detail", sa.String(32), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "close_detail")
    op.drop_column("cases", "close_reason")
