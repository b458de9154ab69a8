"""The case record (append-only, enforced by a trigger), callers, the board and its marks.

Revision ID: desk_0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

revision: str = "desk_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Raised for any change to a written entry, whoever asks: the record is kept as written.
APPEND_ONLY = (
    """CREATE FUNCTION record_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'record_entries is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$""",
    """CREATE TRIGGER record_entries_no_update BEFORE UPDATE OR DELETE ON record_entries
  FOR EACH ROW EXECUTE FUNCTION record_entries_append_only()""",
    """CREATE TRIGGER record_entries_no_truncate BEFORE TRUNCATE ON record_entries
  FOR EACH STATEMENT EXECUTE FUNCTION record_entries_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "record_entries",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_no", sa.String(20), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False, server_default=""),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("actor", sa.String(64), nullable=False, server_default=""),
        sa.Column("actor_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("actor_unit_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("unit_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("signed_as", sa.String(16), nullable=False, server_default=""),
        sa.Column("data", JSONB, nullable=False),
    )
    op.create_index("ix_record_case", "record_entries", ["case_no", "seq"])
    for statement in APPEND_ONLY:
        op.execute(statement)
    op.create_table(
        "record_callers",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("caller_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("caller_phone", sa.String(32), nullable=False, server_default=""),
        sa.Column("anonymous", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("callback_consent", sa.Boolean, nullable=False, server_default="false"),
    )
    op.create_index("ix_record_callers_phone", "record_callers", ["caller_phone"])
    op.create_table(
        "board_cases",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("unit_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("tier", sa.String(16), nullable=False, server_default=""),
        sa.Column("district_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("township_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("topic", sa.String(32), nullable=False, server_default=""),
        sa.Column("difficulty", sa.String(16), nullable=False, server_default=""),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("light", sa.String(8), nullable=False, server_default="green"),
        sa.Column("accept_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
        sa.Column("supervised", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("extension_pending", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("extension_note", sa.Text, nullable=False, server_default=""),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("content", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("words", TSVECTOR, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sla_stale", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("sla_tries", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_board_unit", "board_cases", ["unit_id", "state"])
    op.create_index("ix_board_township", "board_cases", ["township_id", "state"])
    op.create_index(
        "ix_board_stale", "board_cases", ["case_no"], postgresql_where=sa.text("sla_stale")
    )
    op.create_index("ix_board_received", "board_cases", ["received_at"])
    op.create_index("ix_board_unit_received", "board_cases", ["unit_id", "received_at"])
    op.create_index("ix_board_township_received", "board_cases", ["township_id", "received_at"])
    op.create_index("ix_board_words", "board_cases", ["words"], postgresql_using="gin")
    op.create_index(
        "ix_board_difficulty_light", "board_cases", ["difficulty", "light", "received_at"]
    )
    op.create_index("ix_board_resolved", "board_cases", ["resolved_at"])
    op.create_index("ix_board_closed", "board_cases", ["closed_at"])
    # Search words are many and skewed: a larger sample lets the planner tell a rare word
    # (read it from the GIN index) from a common one (read the date index instead).
    op.execute("ALTER TABLE board_cases ALTER COLUMN words SET STATISTICS 1000")
    op.create_table(
        "board_marks",
        sa.Column("case_no", sa.String(20), primary_key=True),
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("mark", sa.String(24), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_board_marks_at", "board_marks", ["at"])


def downgrade() -> None:
    op.drop_table("board_marks")
    op.drop_table("board_cases")
    op.drop_table("record_callers")
    op.execute("DROP TABLE record_entries")
    op.execute("DROP FUNCTION record_entries_append_only()")
