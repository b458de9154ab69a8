"""The request type of each assignment (praise is forwarded and closed, not handled).

Revision ID: dispatch_0006
Revises: dispatch_0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dispatch_0006"
down_revision: str | None = "dispatch_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("assignments", sa.Column("request_type", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("assignments", "request_type")
