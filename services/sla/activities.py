"""Side effects of the case workflow: computing deadlines and publishing events."""

from __future__ import annotations

from datetime import datetime

from aiokafka import AIOKafkaProducer
from google.protobuf.message import Message
from temporalio import activity

from services.common import events
from services.common.kafka import headers
from services.common.metrics import EVENTS_PUBLISHED
from services.sla.contracts import DeadlineReply, DeadlineRequest, Publication
from services.sla.domain import SlaPolicy, WorkingCalendar, compute_deadlines

SOURCE = "minhu/sla"
_KINDS: dict[str, events.EventKind] = {
    "sla": events.CASE_SLA_CHANGED,
    "action": events.CASE_ACTION,
    "closed": events.CASE_CLOSED,
}
_TIMESTAMPS = ("due", "at", "closed_at")


def build_payload(pub: Publication) -> tuple[events.EventKind, Message]:
    """The protobuf payload of a publication; ISO timestamps become Timestamps."""
    kind = _KINDS[pub.topic]
    message = kind.message(case_no=pub.case_no)
    for name, value in pub.fields.items():
        if name in _TIMESTAMPS:
            if value:
                getattr(message, name).CopyFrom(
                    events.timestamp(datetime.fromisoformat(str(value)))
                )
        else:
            setattr(message, name, value)
    return kind, message


class SlaActivities:
    """Activities bound to the service's policy, calendar and Kafka producer."""

    def __init__(
        self, policy: SlaPolicy, calendar: WorkingCalendar, producer: AIOKafkaProducer
    ) -> None:
        self.policy = policy
        self.calendar = calendar
        self.producer = producer

    @activity.defn(name="compute_deadlines")
    async def compute_deadlines(self, req: DeadlineRequest) -> DeadlineReply:
        """Deadlines of a phase from the policy and the working calendar."""
        d = compute_deadlines(
            self.policy,
            self.calendar,
            difficulty=req.difficulty,
            urgent=req.urgent,
            start=datetime.fromisoformat(req.start),
        )
        return DeadlineReply(
            accept_due=d.accept_due.isoformat(),
            resolve_due=d.resolve_due.isoformat(),
            accept_yellow_at=d.accept_yellow_at.isoformat(),
            resolve_yellow_at=d.resolve_yellow_at.isoformat(),
        )

    @activity.defn(name="publish_event")
    async def publish_event(self, pub: Publication) -> None:
        """Publish one transition; the id derives from workflow id and sequence."""
        kind, payload = build_payload(pub)
        env = events.envelope(
            kind,
            payload,
            subject=pub.case_no,
            source=SOURCE,
            event_id=events.derived_event_id(pub.event_id),
        )
        await self.producer.send_and_wait(
            kind.topic,
            value=env.SerializeToString(deterministic=True),
            key=pub.case_no.encode(),
            headers=headers(env),
        )
        EVENTS_PUBLISHED.labels(kind.topic).inc()
