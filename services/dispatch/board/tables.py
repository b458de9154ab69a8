"""The board's tables in dispatch's database (created by migration dispatch_0003)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# One row per case: where it is, how late it is, what waits on it. Fed by case events,
# deadlines completed from sla when an event does not carry them.
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
    sa.Column("light", sa.String(8), nullable=False, server_default="green"),
    sa.Column("accept_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("resolve_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
    sa.Column("supervised", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("extension_pending", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("extension_note", sa.Text, nullable=False, server_default=""),
    sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("close_reason", sa.String(32), nullable=False, server_default=""),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Bumped by every event; the sla refresher writes only if nothing moved meanwhile.
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sla_stale", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("sla_tries", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_board_unit", "unit_id", "state"),
    sa.Index("ix_board_township", "township_id", "state"),
    sa.Index("ix_board_stale", "case_no", postgresql_where=sa.text("sla_stale")),
)

# What a unit did with a case (assigned, accepted, late, resolved, satisfied...), once per
# case, unit and mark: the three rates and the monthly ranking are counted from these.
marks = sa.Table(
    "board_marks",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("unit_id", sa.String(64), primary_key=True),
    sa.Column("mark", sa.String(24), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_board_marks_at", "at"),
)
