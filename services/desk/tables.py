"""The desk's tables: the case record (append-only), callers' personal data, read models.

The record (`record_entries`) is the source of truth: every read model here (the board of
cases, the units' marks, the search columns) can be rebuilt from it alone
(`python -m services.desk.rebuild`). Created by the migrations in migrations/versions.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

metadata = sa.MetaData()

# One entry per case event, in the order the desk received them. Entries are only ever
# added: a trigger refuses UPDATE, DELETE and TRUNCATE (migration desk_0001). The event id
# is unique, so a redelivered event adds nothing (it is the consumer's idempotency key).
entries = sa.Table(
    "record_entries",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_no", sa.String(20), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("source", sa.String(32), nullable=False, server_default=""),
    # What happened, in the record's own words (received, dispatched, accepted, ...).
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    # Who did it, as known when it was recorded (a person's name outlives their account).
    sa.Column("actor", sa.String(64), nullable=False, server_default=""),
    sa.Column("actor_name", sa.String(64), nullable=False, server_default=""),
    sa.Column("actor_unit_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("unit_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    # Sign-off (签字背书): "verified" — the 核实人 of a resolution; "closed_out" — the
    # signer of a 销号. Empty for entries nobody signs.
    sa.Column("signed_as", sa.String(16), nullable=False, server_default=""),
    # The event's payload without personal data (callers live in record_callers).
    sa.Column("data", JSONB, nullable=False),
    sa.Index("ix_record_case", "case_no", "seq"),
)

# Callers' personal data, apart from the record so it can be pseudonymised after its
# retention while the record of the case stays whole. Name and number are sealed together
# (services/common/pii.py); `caller_ref` is the number's blind index, which search matches.
# Pseudonymised callers keep neither: both hold one random marker (PSEUDONYM_PREFIX).
callers = sa.Table(
    "record_callers",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("caller_sealed", sa.Text, nullable=False, server_default=""),
    sa.Column("caller_ref", sa.String(80), nullable=False, server_default=""),
    sa.Column("anonymous", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("callback_consent", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_record_callers_ref", "caller_ref"),
    # The 待回访 list: callers who agreed to be called back (migration desk_0004).
    sa.Index(
        "ix_record_callers_callback",
        "case_no",
        postgresql_where=sa.text("callback_consent AND NOT anonymous"),
    ),
)

# Every read of a caller's data in full (who, when, which case, what, from where). Rows are
# only ever added: a trigger refuses UPDATE, DELETE and TRUNCATE (migration desk_0003).
audit = sa.Table(
    "access_audit",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False, server_default=""),
    sa.Column("case_no", sa.String(20), nullable=False),
    # What was read (caller_phone) and through which page or route (case_page, ...).
    sa.Column("what", sa.String(32), nullable=False),
    sa.Column("route", sa.String(32), nullable=False),
    sa.Column("client", sa.String(64), nullable=False, server_default=""),
    sa.Column("user_agent", sa.String(256), nullable=False, server_default=""),
    sa.Index("ix_access_audit_at", "at"),
    sa.Index("ix_access_audit_user", "username", "at"),
    sa.Index("ix_access_audit_case", "case_no", "at"),
)

# The board: one row per case with where it is, how late, what waits on it, and what
# search filters on. A read model, folded from the record by services/desk/board/rules.py.
cases = sa.Table(
    "board_cases",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("unit_name", sa.String(128), nullable=False, server_default=""),
    sa.Column("tier", sa.String(16), nullable=False, server_default=""),
    # The unit's place in the jurisdiction tree, so a supervisor's subtree is one filter.
    sa.Column("district_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("township_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("topic", sa.String(32), nullable=False, server_default=""),
    sa.Column("difficulty", sa.String(16), nullable=False, server_default=""),
    sa.Column("urgent", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("state", sa.String(24), nullable=False),
    # When the event that set the state happened: events of one case come on several topics,
    # so a later-arriving older event must not put the case back (a close-out is final).
    sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
    # The same for where the case is and its deadlines (unit, tier, due times, light).
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
    # Added by desk_0004: the request type (诉求类型); empty for cases older than types.
    sa.Column("request_type", sa.String(16), nullable=False, server_default=""),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("channel", sa.String(16), nullable=False, server_default=""),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("content", sa.Text, nullable=False, server_default=""),
    sa.Column("address", sa.Text, nullable=False, server_default=""),
    # Chinese words of title and content (jieba), for full-text search.
    sa.Column("words", TSVECTOR, nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Bumped by every event; the sla refresher writes only if nothing moved meanwhile.
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sla_stale", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("sla_tries", sa.Integer, nullable=False, server_default="0"),
    # Added by desk_0009_moves: the unit a pending 上报 asks, and the request's words.
    sa.Column("takeover_unit_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("takeover_note", sa.Text, nullable=False, server_default=""),
    sa.Index(
        "ix_board_takeover", "takeover_unit_id", postgresql_where=sa.text("takeover_unit_id <> ''")
    ),
    # Added by desk_0010_people: 重大疑难 (from dispatch), the named handler (承办人) of the
    # unit, and the leader (包案领导) with the deadline and state of their plan (处置方案):
    # "" none asked, "awaiting", "submitted".
    sa.Column("major", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("assignee", sa.String(64), nullable=False, server_default=""),
    sa.Column("assignee_name", sa.String(64), nullable=False, server_default=""),
    sa.Column("leader", sa.String(64), nullable=False, server_default=""),
    sa.Column("leader_name", sa.String(64), nullable=False, server_default=""),
    sa.Column("plan_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("plan_state", sa.String(16), nullable=False, server_default=""),
    sa.Index("ix_board_unit", "unit_id", "state"),
    sa.Index("ix_board_township", "township_id", "state"),
    # The work lists of a district and of everyone (migration desk_0004).
    sa.Index("ix_board_district", "district_id", "state"),
    sa.Index("ix_board_state", "state", "resolve_due"),
    *(
        sa.Index(
            f"ix_board{'_' + scope.removesuffix('_id') if scope else ''}_finished",
            *([scope] if scope else []),
            sa.text("coalesce(closed_at, resolved_at) DESC NULLS LAST"),
            sa.text("case_no DESC"),
            postgresql_where=sa.text("state IN ('resolved', 'closed')"),
        )
        for scope in ("unit_id", "township_id", "district_id", "")
    ),
    sa.Index("ix_board_stale", "case_no", postgresql_where=sa.text("sla_stale")),
    sa.Index("ix_board_received", "received_at"),
    sa.Index("ix_board_unit_received", "unit_id", "received_at"),
    sa.Index("ix_board_township_received", "township_id", "received_at"),
    sa.Index("ix_board_words", "words", postgresql_using="gin"),
    sa.Index("ix_board_difficulty_light", "difficulty", "light", "received_at"),
    # Reports count what was resolved and closed within a period.
    sa.Index("ix_board_resolved", "resolved_at"),
    sa.Index("ix_board_closed", "closed_at"),
    sa.Index("ix_board_assignee", "assignee", "state", postgresql_where=sa.text("assignee <> ''")),
    sa.Index(
        "ix_board_major", "district_id", postgresql_where=sa.text("major AND state <> 'closed'")
    ),
)

# What a unit did with a case (assigned, accepted, late, resolved, satisfied...), once per
# case, unit and mark: the three rates and the rankings are counted from these.
marks = sa.Table(
    "board_marks",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("unit_id", sa.String(64), primary_key=True),
    sa.Column("mark", sa.String(24), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_board_marks_at", "at"),
)

# 联动办: each co-unit's part of a joint case, one row per (case, co-unit), folded from the
# record like the board (migration desk_0008_parts): who holds the part now, its state,
# light and deadlines, and the co-unit's report. A co-unit's queue lists the parts it holds.
parts = sa.Table(
    "board_parts",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("part_id", sa.String(64), primary_key=True),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("unit_name", sa.String(128), nullable=False, server_default=""),
    sa.Column("tier", sa.String(16), nullable=False, server_default=""),
    sa.Column("district_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("township_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("state", sa.String(16), nullable=False, server_default="dispatched"),
    sa.Column("light", sa.String(8), nullable=False, server_default="green"),
    sa.Column("accept_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("resolve_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
    sa.Column("report", sa.Text, nullable=False, server_default=""),
    # The time of the newest event folded in: an older one arriving late changes nothing.
    sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_board_parts_unit", "unit_id", "state"),
)

READ_MODELS = (cases, marks, parts)

# Files and photos of a case: what was uploaded, by whom, when (the bytes are in the object
# store under `object_key`, never here nor in Kafka). A row exists only once its object is
# stored; the upload is acknowledged only after the row commits (with its record entry).
attachments = sa.Table(
    "case_attachments",
    metadata,
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
    # Where it came from: console (intake's operator), case (the case page), phone.
    sa.Column("origin", sa.String(16), nullable=False, server_default=""),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_case_attachments_case", "case_no", "uploaded_at"),
)

# Objects kept as PostgreSQL large objects when no S3 store is configured (the same
# interface; the stack uses S3).
file_objects = sa.Table(
    "file_objects",
    metadata,
    sa.Column("object_key", sa.String(200), primary_key=True),
    sa.Column("oid", sa.BigInteger, nullable=False),
    sa.Column("content_type", sa.String(80), nullable=False),
)
