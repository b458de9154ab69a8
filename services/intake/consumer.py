"""Applies what other services publish about a case to intake's own records.

case.closed marks the case (and its linked repeat calls) closed: a repeat call links only
to an open case. case.dispatched, case.sla and case.action keep the case's public
progress (state, handling unit, resolve deadline), so Open311 answers without asking
another service.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace

from google.protobuf.message import Message

from services.common import events
from services.common.events import Envelope
from services.common.idempotency import claim
from services.common.jurisdiction import Directory
from services.common.kafka import PoisonEvent
from services.common.logging import case_context, get_logger
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.intake import progress, store
from services.intake.domain.progress import TYPES, step_of

log = get_logger(__name__)


@dataclass
class CaseCloser:
    """Marks closed cases, once per event."""

    sessions: object  # async_sessionmaker
    group: str = "intake"

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Record the closure; False for a redelivered event."""
        if not isinstance(payload, case_pb2.CaseClosed) or not env.subject:
            raise PoisonEvent(f"intake cannot apply {env.type}")
        at = events.to_datetime(payload.closed_at) if payload.HasField("closed_at") else None
        async with self.sessions() as session, session.begin():  # type: ignore[operator]
            fresh = await claim(
                session, store.processed_events, consumer=self.group, event_id=env.id
            )
            if not fresh:
                return False
            changed = await store.mark_closed(session, case_no=env.subject, at=at or store.utcnow())
        with case_context(env.subject):
            log.info("case closed", reason=payload.reason, rows=changed)
        return True


@dataclass
class ProgressRecorder:
    """Folds dispatch, sla and action events into the case's public progress, once each."""

    sessions: object  # async_sessionmaker
    directory: Directory | None = None
    group: str = "intake"

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Record the step; False for a redelivered event."""
        if env.type not in TYPES or not env.subject:
            raise PoisonEvent(f"intake cannot apply {env.type}")
        step = step_of(env.type, events.fields_of(payload))
        if step.unit_id and not step.unit_name and self.directory is not None:
            # sla names a unit by id only; a unit the directory does not know stays unnamed.
            with contextlib.suppress(KeyError):
                step = replace(step, unit_name=self.directory.unit(step.unit_id).name)
        at = events.to_datetime(env.time) if env.HasField("time") else store.utcnow()
        async with self.sessions() as session, session.begin():  # type: ignore[operator]
            fresh = await claim(
                session, store.processed_events, consumer=self.group, event_id=env.id
            )
            if not fresh:
                return False
            await progress.record(session, case_no=env.subject, step=step, at=at)
        return True


@dataclass
class CaseFollower:
    """One consumer for every topic intake follows: each event to the handler of its type."""

    closer: CaseCloser
    recorder: ProgressRecorder
    topics: tuple[str, ...] = field(
        default=(
            events.Topic.CLOSED,
            events.Topic.DISPATCHED,
            events.Topic.SLA,
            events.Topic.ACTION,
        )
    )

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Apply the event; False for a redelivered one."""
        if env.type == events.CASE_CLOSED.name:
            return await self.closer(env, payload)
        return await self.recorder(env, payload)
