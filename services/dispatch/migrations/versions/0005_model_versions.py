"""Model versions: which version classified each case, and a candidate's shadow topics.

Revision ID: dispatch_0005
Revises: dispatch_0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dispatch_0005"
down_revision: str | None = "dispatch_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "assignments",
        sa.Column("model_version", sa.String(16), nullable=False, server_default="corpus"),
    )
    op.create_table(
        "model_shadow",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("version", sa.String(16), primary_key=True),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("live_version", sa.String(16), nullable=False),
        sa.Column("live_topic", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("model_shadow")
    op.drop_column("assignments", "model_version")
