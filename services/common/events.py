"""The event envelope and the catalogue of event types, topics and payload messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.proto_gen.minhu.events.v1 import case_pb2, envelope_pb2

Envelope = envelope_pb2.Envelope
SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/protobuf"


class Topic:
    """Kafka topics: one event family each, keyed by case number."""

    RECEIVED = "case.received"
    DISPATCHED = "case.dispatched"
    SLA = "case.sla"
    ACTION = "case.action"
    CLOSED = "case.closed"
    NOTIFY_SENT = "notify.sent"


@dataclass(frozen=True)
class EventKind:
    """One event type: its CloudEvents type name, its topic and its payload message class."""

    name: str
    topic: str
    message: type[Message]


CASE_RECEIVED = EventKind("minhu.case.received.v1", Topic.RECEIVED, case_pb2.CaseReceived)
CASE_DISPATCHED = EventKind("minhu.case.dispatched.v1", Topic.DISPATCHED, case_pb2.CaseDispatched)
CASE_SLA_CHANGED = EventKind("minhu.case.sla.v1", Topic.SLA, case_pb2.CaseSlaChanged)
CASE_ACTION = EventKind("minhu.case.action.v1", Topic.ACTION, case_pb2.CaseAction)
CASE_CLOSED = EventKind("minhu.case.closed.v1", Topic.CLOSED, case_pb2.CaseClosed)
NOTIFICATION_SENT = EventKind("minhu.notify.sent.v1", Topic.NOTIFY_SENT, case_pb2.NotificationSent)

KINDS: dict[str, EventKind] = {
    kind.name: kind
    for kind in (
        CASE_RECEIVED,
        CASE_DISPATCHED,
        CASE_SLA_CHANGED,
        CASE_ACTION,
        CASE_CLOSED,
        NOTIFICATION_SENT,
    )
}


class UnreadableEvent(ValueError):
    """A record that cannot be decoded into a known event; it belongs on a dead-letter topic."""


def timestamp(value: datetime) -> Timestamp:
    """A protobuf Timestamp from an aware datetime."""
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def to_datetime(value: Timestamp) -> datetime:
    """An aware UTC datetime from a protobuf Timestamp."""
    return value.ToDatetime(tzinfo=UTC)


def new_event_id() -> str:
    """A random event id, for events that are not derived from another one."""
    return str(uuid.uuid4())


def derived_event_id(*parts: str) -> str:
    """A stable event id derived from its cause, so a retried producer repeats the same id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "minhu:" + ":".join(parts)))


def envelope(
    kind: EventKind,
    payload: Message,
    *,
    subject: str,
    source: str,
    event_id: str | None = None,
    time: datetime | None = None,
) -> Envelope:
    """Wrap a payload message in the envelope; subject is the case number."""
    if not isinstance(payload, kind.message):
        raise TypeError(
            f"{kind.name} carries {kind.message.__name__}, not {type(payload).__name__}"
        )
    env = Envelope(
        id=event_id or new_event_id(),
        source=source,
        type=kind.name,
        subject=subject,
        spec_version=SPEC_VERSION,
        data_content_type=CONTENT_TYPE,
        data=payload.SerializeToString(deterministic=True),
    )
    env.time.CopyFrom(timestamp(time or datetime.now(UTC)))
    return env


def decode(raw: bytes | None) -> tuple[Envelope, Message]:
    """Parse an envelope and its payload; UnreadableEvent if either is not what it claims."""
    if not raw:
        raise UnreadableEvent("empty record")
    env = Envelope()
    try:
        env.ParseFromString(raw)
    except DecodeError as exc:
        raise UnreadableEvent(f"not an envelope: {exc}") from exc
    if not env.id or not env.subject:
        raise UnreadableEvent("envelope without id or subject")
    kind = KINDS.get(env.type)
    if kind is None:
        raise UnreadableEvent(f"unknown event type {env.type!r}")
    payload = kind.message()
    try:
        payload.ParseFromString(env.data)
    except DecodeError as exc:
        raise UnreadableEvent(f"payload is not {kind.message.__name__}: {exc}") from exc
    return env, payload


def fields_of(payload: Message) -> dict[str, Any]:
    """A payload as a dict of proto field names, unset scalars included (timestamps as ISO)."""
    fields: dict[str, Any] = MessageToDict(
        payload, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return fields
