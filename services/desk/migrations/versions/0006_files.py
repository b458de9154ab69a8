"""Files and photos of a case (their metadata; the bytes live in the object store), and
the table of objects kept as PostgreSQL large objects where no S3 store is configured.

Revision ID: desk_0006_files
Revises: desk_0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "desk_0006_files"
down_revision: str | None = "desk_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_no", sa.String(20), nullable=False),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("content_type", sa.String(80), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("width", sa.Integer, nullable=False, server_default="0"),
        sa.Column("height", sa.Integer, nullable=False, server_default="0"),
        sa.Column("object_key", sa.String(200), nullable=False),
        sa.Column("thumb_key", sa.String(200), nullable=False, server_default=""),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False, server_default=""),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_attachments_case", "case_attachments", ["case_no", "uploaded_at"])
    op.create_table(
        "file_objects",
        sa.Column("object_key", sa.String(200), primary_key=True),
        sa.Column("oid", sa.BigInteger, nullable=False),
        sa.Column("content_type", sa.String(80), nullable=False),
    )


def downgrade() -> None:
    op.execute("SELECT lo_unlink(oid) FROM file_objects")
    op.drop_table("file_objects")
    op.drop_index("ix_case_attachments_case", "case_attachments")
    op.drop_table("case_attachments")
