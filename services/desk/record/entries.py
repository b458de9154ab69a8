"""What one case event adds to the record. Pure: no database, no framework.

An entry names what happened (`kind`), when, who did it, for which unit, the note they
wrote and whether it is a sign-off; `data` keeps the event's fields without the caller's
personal data, which the record keeps apart (see services/desk/tables.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.common import pii

RECEIVED = "minhu.case.received.v1"
DISPATCHED = "minhu.case.dispatched.v1"
SLA = "minhu.case.sla.v1"
ACTION = "minhu.case.action.v1"
CLOSED = "minhu.case.closed.v1"
NOTIFIED = "minhu.notify.sent.v1"
# The caller's data, sealed or (in older events) plain: never part of an entry's `data`,
# which is kept for good, while callers are pseudonymised after their retention.
PERSONAL = ("caller_name", "caller_phone", "caller_sealed", "caller_ref")
# Sign-offs (签字背书): who verified a resolution (核实人), who signed a close-out (销号).
VERIFIED, CLOSED_OUT = "verified", "closed_out"
# The instant each payload says it happened, by event type.
_AT = {
    RECEIVED: "received_at",
    DISPATCHED: "dispatched_at",
    ACTION: "at",
    CLOSED: "closed_at",
    NOTIFIED: "sent_at",
}


@dataclass(frozen=True)
class Caller:
    """Who called: personal data, kept apart from the record.

    Newer events carry the caller sealed with its blind index (`sealed`, `ref`); older ones
    carry name and number plain (`plain`), which the writer seals before storing them.
    """

    sealed: str
    ref: str
    anonymous: bool
    callback_consent: bool
    plain: pii.Caller | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Entry:
    """One line of a case's record."""

    case_no: str
    event_id: str
    event_type: str
    source: str
    kind: str
    at: datetime
    actor: str = ""
    unit_id: str = ""
    note: str = ""
    signed_as: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    caller: Caller | None = None


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def mask_recipient(channel: str, recipient: str) -> str:
    """A notice's recipient as the record keeps it: phone numbers masked, units as they are."""
    if channel == "sms" and len(recipient) >= 7 and recipient[-4:].isdigit():
        return recipient[:3] + "****" + recipient[-4:]
    if channel == "email" and "@" in recipient:
        name, _, host = recipient.partition("@")
        return f"{name[:1]}***@{host}"
    return pii.scrub(recipient)  # a unit's name as it is; any number in it masked


def entry_of(
    *,
    event_type: str,
    event_id: str,
    source: str,
    case_no: str,
    time: datetime,
    fields: dict[str, Any],
) -> Entry:
    """The record entry of one event; `fields` is the payload as a dict of proto names."""
    data = {k: v for k, v in fields.items() if k not in PERSONAL}
    at = _when(fields.get(_AT.get(event_type, ""))) or time

    def make(kind: str, **more: Any) -> Entry:
        return Entry(
            case_no=case_no,
            event_id=event_id,
            event_type=event_type,
            source=source,
            kind=kind,
            at=at,
            data=data,
            **more,
        )

    if event_type == RECEIVED:
        name = str(fields.get("caller_name") or "")
        phone = str(fields.get("caller_phone") or "")
        caller = Caller(
            sealed=str(fields.get("caller_sealed") or ""),
            ref=str(fields.get("caller_ref") or ""),
            anonymous=bool(fields.get("anonymous")),
            callback_consent=bool(fields.get("callback_consent")),
            plain=pii.Caller(name, phone) if name or phone else None,
        )
        return make(
            "received",
            actor=str(fields.get("operator") or ""),
            note=str(fields.get("title") or ""),
            caller=caller,
        )
    if event_type == DISPATCHED:
        kind = str(fields.get("decision") or "") or (
            "manual_queue" if fields.get("manual") else "dispatched"
        )
        return make(
            kind,
            actor=str(fields.get("actor") or ""),
            unit_id=str(fields.get("unit_id") or ""),
            note=str(fields.get("explanation") or ""),
        )
    if event_type == SLA:
        return make(
            str(fields.get("kind") or "sla"),
            unit_id=str(fields.get("unit_id") or ""),
        )
    if event_type == ACTION:
        action = str(fields.get("action") or "action")
        return make(
            action,
            actor=str(fields.get("actor") or ""),
            unit_id=str(fields.get("unit_id") or ""),
            note=str(fields.get("note") or ""),
            signed_as=VERIFIED if action == "resolved" else "",
        )
    if event_type == CLOSED:
        actor = str(fields.get("actor") or "")
        return make(
            "closed",
            actor=actor,
            note=str(fields.get("note") or ""),
            signed_as=CLOSED_OUT if actor else "",
        )
    if event_type == NOTIFIED:
        channel = str(fields.get("channel") or "")
        data["recipient"] = mask_recipient(channel, str(fields.get("recipient") or ""))
        return make("notified")
    return make(event_type.split(".")[-2] if "." in event_type else "event")
