"""When a case was rejected (不予受理) from the manual queue, before any unit had it.

Revision ID: dispatch_0007_rejected
Revises: dispatch_0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dispatch_0007_rejected"
down_revision: str | None = "dispatch_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "assignments", sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("assignments", "rejected_at")
