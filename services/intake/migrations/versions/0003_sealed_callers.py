"""Callers sealed at rest: caller_sealed (name and number, pii.Sealer) and caller_ref (the
number's blind index) replace the plain caller_name and caller_phone; pseudonymised_at marks
cases whose caller was dropped after the retention period.

Existing rows are sealed with the keys of the environment the migration runs in
(MINHU_PII_KEYS, MINHU_PII_INDEX_KEY), so run it with the service's own settings.

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.events import Envelope
from services.common.pii import Caller, Sealer
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.settings import CommonSettings

revision: str = "intake_0003"
down_revision: str | None = "intake_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def upgrade() -> None:
    op.add_column("cases", sa.Column("caller_sealed", sa.Text, nullable=True))
    op.add_column("cases", sa.Column("caller_ref", sa.String(64), nullable=True))
    op.add_column("cases", sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True))
    sealer = Sealer.from_settings(CommonSettings())
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT case_no, caller_name, caller_phone FROM cases"
            " WHERE coalesce(caller_name, '') <> '' OR coalesce(caller_phone, '') <> ''"
        )
    ).all()
    update = sa.text(
        "UPDATE cases SET caller_sealed = :sealed, caller_ref = :ref WHERE case_no = :no"
    )
    for start in range(0, len(rows), BATCH):
        bind.execute(
            update,
            [
                {
                    "no": r.case_no,
                    "sealed": sealer.seal(Caller(r.caller_name or "", r.caller_phone or "")),
                    "ref": sealer.index(r.caller_phone or "") or None,
                }
                for r in rows[start : start + BATCH]
            ],
        )
    _seal_outbox(bind, sealer)
    op.drop_index("ix_cases_caller_phone", table_name="cases")
    op.drop_column("cases", "caller_phone")
    op.drop_column("cases", "caller_name")
    op.create_index("ix_cases_caller_ref", "cases", ["caller_ref", "received_at"])
    # The pseudonymisation pass looks for closed cases not yet pseudonymised.
    op.create_index(
        "ix_cases_pseudonymise_due",
        "cases",
        ["closed_at"],
        postgresql_where=sa.text("closed_at IS NOT NULL AND pseudonymised_at IS NULL"),
    )


def _seal_outbox(bind: sa.Connection, sealer: Sealer) -> None:
    """case.received events stored with the plain caller get the sealed form instead (same
    event id; consumers read either)."""
    rows = bind.execute(
        sa.text("SELECT seq, payload FROM outbox WHERE topic = 'case.received'")
    ).all()
    update = sa.text("UPDATE outbox SET payload = :payload WHERE seq = :seq")
    for row in rows:
        env = Envelope()
        env.ParseFromString(row.payload)
        payload = case_pb2.CaseReceived()
        payload.ParseFromString(env.data)
        if not payload.caller_phone and not payload.caller_name:
            continue
        payload.caller_sealed = sealer.seal(Caller(payload.caller_name, payload.caller_phone))
        payload.caller_ref = sealer.index(payload.caller_phone)
        payload.caller_name = payload.caller_phone = ""
        env.data = payload.SerializeToString(deterministic=True)
        bind.execute(update, {"seq": row.seq, "payload": env.SerializeToString(deterministic=True)})


def downgrade() -> None:
    op.add_column("cases", sa.Column("caller_name", sa.String(64), nullable=True))
    op.add_column("cases", sa.Column("caller_phone", sa.String(32), nullable=True))
    sealer = Sealer.from_settings(CommonSettings())
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT case_no, caller_sealed FROM cases WHERE caller_sealed IS NOT NULL")
    ).all()
    update = sa.text(
        "UPDATE cases SET caller_name = :name, caller_phone = :phone WHERE case_no = :no"
    )
    for r in rows:
        caller = sealer.open(r.caller_sealed)
        bind.execute(
            update, {"no": r.case_no, "name": caller.name or None, "phone": caller.phone or None}
        )
    op.drop_index("ix_cases_pseudonymise_due", table_name="cases")
    op.drop_index("ix_cases_caller_ref", table_name="cases")
    op.create_index("ix_cases_caller_phone", "cases", ["caller_phone", "received_at"])
    for column in ("pseudonymised_at", "caller_ref", "caller_sealed"):
        op.drop_column("cases", column)
