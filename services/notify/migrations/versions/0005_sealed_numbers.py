"""No phone number kept plain: callers' numbers, SMS recipients and citizens' replies are
sealed (pii.Sealer) with a blind index beside them, and shown masked; webhook bodies already
stored lose the caller's name.

Existing rows are sealed with the keys of the environment the migration runs in
(MINHU_PII_KEYS, MINHU_PII_INDEX_KEY), so run it with the service's own settings.

Revision ID: notify_0005
Revises: notify_0004
Create Date: 2026-12-01
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.common.events import Envelope
from services.common.pii import Caller, Sealer, masked
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.settings import CommonSettings

revision: str = "notify_0005"
down_revision: str | None = "notify_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL = ("caller_name", "caller_phone", "caller_sealed", "caller_ref")


def _each(
    bind: sa.Connection, query: str, update: str, values: Callable[[Any], dict[str, Any]]
) -> None:
    """Run `update` with values(row) for every row `query` selects, in batches."""
    rows = bind.execute(sa.text(query)).all()
    params = [values(r) for r in rows]
    for start in range(0, len(params), 500):
        bind.execute(sa.text(update), params[start : start + 500])


def upgrade() -> None:
    sealer = Sealer.from_settings(CommonSettings())
    bind = op.get_bind()

    def sealed(phone: str) -> dict[str, object]:
        return {"sealed": sealer.seal(Caller(phone=phone)), "ref": sealer.index(phone) or None}

    op.add_column("callers", sa.Column("caller_sealed", sa.Text, nullable=True))
    op.add_column("callers", sa.Column("caller_ref", sa.String(64), nullable=True))
    op.add_column("callers", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "callers", sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True)
    )
    _each(
        bind,
        "SELECT case_no, phone FROM callers WHERE phone <> ''",
        "UPDATE callers SET caller_sealed = :sealed, caller_ref = :ref WHERE case_no = :key",
        lambda r: {"key": r.case_no, **sealed(r.phone)},
    )
    op.drop_column("callers", "phone")

    op.add_column("notifications", sa.Column("recipient_sealed", sa.Text, nullable=True))
    op.add_column("notifications", sa.Column("recipient_ref", sa.String(64), nullable=True))
    _each(
        bind,
        "SELECT id, recipient FROM notifications WHERE channel = 'sms'",
        "UPDATE notifications SET recipient = :masked, recipient_sealed = :sealed,"
        " recipient_ref = :ref WHERE id = :key",
        lambda r: {"key": r.id, "masked": masked(r.recipient), **sealed(r.recipient)},
    )
    _each(
        bind,
        "SELECT id, body FROM notifications WHERE channel = 'webhook'",
        "UPDATE notifications SET body = :body WHERE id = :key",
        lambda r: {"key": r.id, "body": _without_caller(r.body)},
    )
    op.create_index("ix_notifications_ref", "notifications", ["recipient_ref", "sent_at"])

    op.add_column("sms_replies", sa.Column("phone_sealed", sa.Text, nullable=True))
    op.add_column("sms_replies", sa.Column("phone_ref", sa.String(64), nullable=True))
    _each(
        bind,
        "SELECT id, phone FROM sms_replies",
        "UPDATE sms_replies SET phone = :masked, phone_sealed = :sealed, phone_ref = :ref"
        " WHERE id = :key",
        lambda r: {"key": r.id, "masked": masked(r.phone), **sealed(r.phone)},
    )
    op.create_index("ix_sms_replies_ref", "sms_replies", ["phone_ref"])
    _mask_outbox(bind)


def _mask_outbox(bind: sa.Connection) -> None:
    """notify.sent events stored with an SMS's plain number get it masked (same event id)."""
    rows = bind.execute(
        sa.text("SELECT seq, payload FROM outbox WHERE topic = 'notify.sent'")
    ).all()
    update = sa.text("UPDATE outbox SET payload = :payload WHERE seq = :seq")
    for row in rows:
        env = Envelope()
        env.ParseFromString(row.payload)
        sent = case_pb2.NotificationSent()
        sent.ParseFromString(env.data)
        if sent.channel != "sms" or "*" in sent.recipient:
            continue
        sent.recipient = masked(sent.recipient)
        env.data = sent.SerializeToString(deterministic=True)
        bind.execute(update, {"seq": row.seq, "payload": env.SerializeToString(deterministic=True)})


def _without_caller(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        for key in PERSONAL:
            data["data"].pop(key, None)
        return json.dumps(data, ensure_ascii=False)
    return body


def downgrade() -> None:
    sealer = Sealer.from_settings(CommonSettings())
    bind = op.get_bind()
    op.drop_index("ix_sms_replies_ref", table_name="sms_replies")
    _each(
        bind,
        "SELECT id, phone_sealed FROM sms_replies WHERE phone_sealed IS NOT NULL",
        "UPDATE sms_replies SET phone = :phone WHERE id = :key",
        lambda r: {"key": r.id, "phone": sealer.open(r.phone_sealed).phone},
    )
    op.drop_column("sms_replies", "phone_ref")
    op.drop_column("sms_replies", "phone_sealed")
    op.drop_index("ix_notifications_ref", table_name="notifications")
    _each(
        bind,
        "SELECT id, recipient_sealed FROM notifications WHERE recipient_sealed IS NOT NULL",
        "UPDATE notifications SET recipient = :phone WHERE id = :key",
        lambda r: {"key": r.id, "phone": sealer.open(r.recipient_sealed).phone},
    )
    op.drop_column("notifications", "recipient_ref")
    op.drop_column("notifications", "recipient_sealed")
    op.add_column("callers", sa.Column("phone", sa.String(32), nullable=False, server_default=""))
    _each(
        bind,
        "SELECT case_no, caller_sealed FROM callers WHERE caller_sealed IS NOT NULL",
        "UPDATE callers SET phone = :phone WHERE case_no = :key",
        lambda r: {"key": r.case_no, "phone": sealer.open(r.caller_sealed).phone},
    )
    for column in ("pseudonymised_at", "closed_at", "caller_ref", "caller_sealed"):
        op.drop_column("callers", column)
