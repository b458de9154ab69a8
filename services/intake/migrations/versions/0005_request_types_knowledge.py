"""Request types and direct answers on cases; the knowledge base (知识库) and its history.

Revision ID: intake_0005
Revises: intake_0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "intake_0005"
down_revision: str | None = "intake_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = (
    """CREATE FUNCTION knowledge_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'knowledge_history is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$""",
    """CREATE TRIGGER knowledge_history_no_update BEFORE UPDATE OR DELETE ON knowledge_history
  FOR EACH ROW EXECUTE FUNCTION knowledge_history_append_only()""",
    """CREATE TRIGGER knowledge_history_no_truncate BEFORE TRUNCATE ON knowledge_history
  FOR EACH STATEMENT EXECUTE FUNCTION knowledge_history_append_only()""",
)


def upgrade() -> None:
    # Cases stored before request types have none: they read as unknown (complaint path).
    op.add_column("cases", sa.Column("request_type", sa.String(16), nullable=True))
    op.add_column("cases", sa.Column("answer", sa.Text, nullable=True))
    op.add_column("cases", sa.Column("answer_source", sa.String(32), nullable=True))
    # The unit's answer once resolved (from case.action), shown to the citizen's look-up.
    op.add_column("case_progress", sa.Column("answer", sa.Text, nullable=True))
    op.add_column(
        "case_progress", sa.Column("answer_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "knowledge_entries",
        sa.Column("entry_id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("keywords", sa.String(500), nullable=False, server_default=""),
        sa.Column("source_unit_id", sa.String(64), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_knowledge_unit", "source_unit_id"),
        sa.Index("ix_knowledge_valid", "valid_from", "valid_until"),
    )
    op.create_table(
        "knowledge_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("entry_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("by_username", sa.String(64), nullable=False),
        sa.Column("by_role", sa.String(32), nullable=False),
        sa.Column("by_unit", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry", postgresql.JSONB, nullable=False),
        sa.UniqueConstraint("entry_id", "version", name="uq_knowledge_history_version"),
    )
    for statement in APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("knowledge_history")
    op.execute("DROP FUNCTION knowledge_history_append_only()")
    op.drop_table("knowledge_entries")
    op.drop_column("case_progress", "answer_at")
    op.drop_column("case_progress", "answer")
    op.drop_column("cases", "answer_source")
    op.drop_column("cases", "answer")
    op.drop_column("cases", "request_type")
