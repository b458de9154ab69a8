"""Side effects of the case workflow: computing deadlines and publishing events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import cast

from aiokafka import AIOKafkaProducer
from google.protobuf.message import Message
from prometheus_client import Gauge
from temporalio import activity

from services.common import events
from services.common.kafka import headers
from services.common.metrics import EVENTS_PUBLISHED
from services.sla.contracts import (
    Clock,
    DeadlineRequest,
    ExtendRequest,
    MoveRequest,
    Publication,
    WindowRequest,
)
from services.sla.domain import (
    Duration,
    SlaPolicy,
    WorkingCalendar,
    compute_deadlines,
    yellow_at,
)
from services.sla.domain.moves import MovesPolicy, load_moves_policy, moved_clock
from services.sla.domain.policy import Unit as DurationUnit

SOURCE = "minhu/sla"
_KINDS: dict[str, events.EventKind] = {
    "sla": events.CASE_SLA_CHANGED,
    "action": events.CASE_ACTION,
    "closed": events.CASE_CLOSED,
}
_TIMESTAMPS = ("due", "at", "closed_at", "accept_due", "resolve_due")
CALENDAR_FALLBACK_YEARS = Gauge(
    "minhu_sla_calendar_fallback_years",
    "Years for which deadlines fell back to Monday-Friday: no statutory or operator calendar.",
)


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
        self,
        policy: SlaPolicy,
        calendar: WorkingCalendar,
        producer: AIOKafkaProducer,
        moves: MovesPolicy | None = None,
    ) -> None:
        self.policy = policy
        self.calendar = calendar
        self.producer = producer
        self.moves = moves or load_moves_policy()

    @activity.defn(name="compute_deadlines")
    async def compute_deadlines(self, req: DeadlineRequest) -> Clock:
        """Deadlines of a phase from the policy and the working calendar."""
        start = datetime.fromisoformat(req.start)
        d = compute_deadlines(
            self.policy,
            self.calendar,
            difficulty=req.difficulty,
            urgent=req.urgent,
            start=start,
            part=req.part,
        )
        clock = Clock(
            accept_due=d.accept_due.isoformat(),
            resolve_due=d.resolve_due.isoformat(),
            accept_yellow_at=d.accept_yellow_at.isoformat(),
            resolve_yellow_at=d.resolve_yellow_at.isoformat(),
            start=start.isoformat(),
            bounce_until=self.calendar.add(start, self.policy.bounce.window).isoformat(),
            progress_every_seconds=d.progress_every.total_seconds() if d.progress_every else 0.0,
        )
        self._report_fallback()
        return clock

    @activity.defn(name="extend_deadline")
    async def extend_deadline(self, req: ExtendRequest) -> Clock:
        """An approved 延期: the resolve deadline moves, and its yellow point with it."""
        clock = req.clock
        start = datetime.fromisoformat(clock.start or clock.accept_due)
        unit = cast(DurationUnit, req.unit)
        due = self.calendar.add(
            datetime.fromisoformat(clock.resolve_due), Duration(req.amount, unit)
        )
        self._report_fallback()
        return replace(
            clock,
            resolve_due=due.isoformat(),
            resolve_yellow_at=yellow_at(start, due, self.policy.yellow_ratio).isoformat(),
        )

    @activity.defn(name="moved_deadlines")
    async def moved_deadlines(self, req: MoveRequest) -> Clock:
        """Deadlines after 改派 or an accepted 上报: restarted or kept, as the moves policy says."""
        fresh = await self.compute_deadlines(
            DeadlineRequest(difficulty=req.difficulty, urgent=req.urgent, start=req.start)
        )
        return moved_clock(req.clock, fresh, self.moves.rule(req.move))

    @activity.defn(name="callback_window")
    async def callback_window(self, req: WindowRequest) -> str:
        """When a callback opened at `start` is overdue."""
        due = self.calendar.add(datetime.fromisoformat(req.start), self.policy.callback.window)
        self._report_fallback()
        return due.isoformat()

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        """Every activity the case workflow calls, for a worker's registration."""
        return [
            self.compute_deadlines,
            self.extend_deadline,
            self.callback_window,
            self.publish_event,
            self.publish_events,
            self.moved_deadlines,
        ]

    def _report_fallback(self) -> None:
        CALENDAR_FALLBACK_YEARS.set(len(self.calendar.fallback_years))

    @activity.defn(name="publish_event")
    async def publish_event(self, pub: Publication) -> None:
        """Publish one transition; the id derives from workflow id and sequence."""
        await self.publish_events([pub])

    @activity.defn(name="publish_events")
    async def publish_events(self, pubs: list[Publication]) -> None:
        """Publish a step's transitions together, in order: all queued with the producer
        first, then awaited, so they share its batches."""
        queued = [await self._queue(pub) for pub in pubs]
        await asyncio.gather(*(stored for _, stored in queued))
        for topic, _ in queued:
            EVENTS_PUBLISHED.labels(topic).inc()

    async def _queue(self, pub: Publication) -> tuple[str, asyncio.Future[object]]:
        """Hand one publication to the producer: its topic, and a future resolved once
        Kafka has stored it."""
        kind, payload = build_payload(pub)
        env = events.envelope(
            kind,
            payload,
            subject=pub.case_no,
            source=SOURCE,
            event_id=events.derived_event_id(pub.event_id),
        )
        stored = await self.producer.send(
            kind.topic,
            value=env.SerializeToString(deterministic=True),
            key=pub.case_no.encode(),
            headers=headers(env),
        )
        return kind.topic, cast("asyncio.Future[object]", stored)
