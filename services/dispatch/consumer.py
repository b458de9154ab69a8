"""Applies case.received: classify, route, store the assignment, announce case.dispatched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from prometheus_client import Counter

from services.common import events
from services.common.events import Envelope
from services.common.idempotency import claim
from services.common.kafka import PoisonEvent
from services.common.logging import get_logger
from services.common.outbox import OutboxRelay, enqueue
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.dispatch import store
from services.dispatch.domain import (
    CaseText,
    Classifier,
    Directory,
    RoutingPolicy,
    escalation_ladder,
    explain,
    route,
)

SOURCE = "minhu/dispatch"
log = get_logger(__name__)
CASES_DISPATCHED = Counter(
    "minhu_cases_dispatched_total",
    "Cases dispatched, by difficulty, tier, topic and whether a human must confirm.",
    ["difficulty", "tier", "topic", "manual"],
)


@dataclass
class Dispatcher:
    """The dispatch use case, with its ports injected."""

    sessions: object  # async_sessionmaker
    relay: OutboxRelay
    classifier: Classifier
    directory: Directory
    policy: RoutingPolicy
    group: str = "dispatch"

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Dispatch one received case; False if this event or case was already dispatched."""
        if not isinstance(payload, case_pb2.CaseReceived):
            raise PoisonEvent(f"dispatch does not handle {env.type}")
        if payload.case_no != env.subject or not payload.content:
            raise PoisonEvent("case.received without a matching case number or content")
        case = CaseText(
            title=payload.title,
            content=payload.content,
            address=payload.address or None,
            grid_code=payload.grid_code or None,
            urgent=payload.urgent,
        )
        result = self.classifier.classify(case)
        assignment = route(result, case, self.directory, self.policy)
        explanation = explain(result, assignment)
        ladder = escalation_ladder(assignment, result.topic, self.directory, self.policy)
        now = datetime.now(UTC)
        out = case_pb2.CaseDispatched(
            case_no=payload.case_no,
            topic=result.topic,
            difficulty=result.difficulty.value,
            tier=assignment.tier.value,
            unit_id=assignment.unit_id,
            unit_name=assignment.unit_name,
            co_unit_ids=list(assignment.co_unit_ids),
            confidence=result.confidence,
            explanation=explanation,
            urgent=result.urgent,
            major=result.major,
            manual=assignment.manual,
            dispatched_at=events.timestamp(now),
            grid_code=assignment.grid_code or "",
            attempt=0,
            ladder=[
                case_pb2.LadderStep(tier=s.tier, unit_id=s.unit_id, unit_name=s.unit_name)
                for s in ladder
            ],
        )
        # Derived from the cause: a retry after a crash announces the very same event.
        dispatched = events.envelope(
            events.CASE_DISPATCHED,
            out,
            subject=payload.case_no,
            source=SOURCE,
            event_id=events.derived_event_id(env.id, "dispatched"),
            time=now,
        )
        async with self.sessions() as session, session.begin():  # type: ignore[operator]
            if not await claim(
                session, store.processed_events, consumer=self.group, event_id=env.id
            ):
                return False
            if await store.get_assignment(session, case_no=payload.case_no) is not None:
                return False
            await store.add_assignment(
                session,
                case_no=payload.case_no,
                event_id=dispatched.id,
                title=payload.title or None,
                content=payload.content,
                address=payload.address or None,
                grid_code=assignment.grid_code,
                topic=result.topic,
                difficulty=result.difficulty.value,
                tier=assignment.tier.value,
                unit_id=assignment.unit_id,
                unit_name=assignment.unit_name,
                co_unit_ids=list(assignment.co_unit_ids),
                confidence=result.confidence,
                urgent=result.urgent,
                major=result.major,
                manual=assignment.manual,
                explanation=explanation,
                reasons=[*result.reasons, *assignment.reasons],
                received_at=events.to_datetime(payload.received_at),
                dispatched_at=now,
            )
            await enqueue(session, store.outbox, events.CASE_DISPATCHED, dispatched)
        self.relay.wake()
        CASES_DISPATCHED.labels(
            result.difficulty.value,
            assignment.tier.value,
            result.topic,
            str(assignment.manual).lower(),
        ).inc()
        log.info(
            "case dispatched",
            topic=result.topic,
            difficulty=result.difficulty.value,
            tier=assignment.tier.value,
            unit_id=assignment.unit_id,
            manual=assignment.manual,
            confidence=round(result.confidence, 3),
        )
        return True
