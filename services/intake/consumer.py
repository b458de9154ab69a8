"""Applies what other services publish about a case to intake's own records.

case.closed marks the case (and its linked repeat calls) closed: a repeat call links only
to an open case. case.dispatched, case.sla and case.action keep the case's public
progress (state, handling unit, resolve deadline), so Open311 answers without asking
another service.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from services.common import events
from services.common.events import Envelope
from services.common.idempotency import claim_many
from services.common.jurisdiction import Directory
from services.common.kafka import PoisonEvent
from services.common.logging import case_context, get_logger
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.intake import progress, store
from services.intake.domain.progress import SLA, SLA_KINDS, TYPES, Step, step_of

log = get_logger(__name__)


@dataclass(frozen=True)
class Work:
    """What one event does here once claimed: close a case, or fold a step into progress."""

    env: Envelope
    closed_at: datetime | None = None  # for case.closed
    step: Step | None = None  # for dispatch, sla and action events
    at: datetime | None = None  # the step's event time
    reason: str = ""
    detail: str = ""


@dataclass
class CaseCloser:
    """Marks closed cases, once per event."""

    sessions: object  # async_sessionmaker
    group: str = "intake"

    def work(self, env: Envelope, payload: Message) -> Work:
        """What a case.closed does; PoisonEvent for anything else."""
        if not isinstance(payload, case_pb2.CaseClosed) or not env.subject:
            raise PoisonEvent(f"intake cannot apply {env.type}")
        at = events.to_datetime(payload.closed_at) if payload.HasField("closed_at") else None
        detail = payload.reject_reason or payload.lead_case_no  # public codes, no free text
        return Work(env, closed_at=at or store.utcnow(), reason=payload.reason, detail=detail)

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Record the closure; False for a redelivered event."""
        return (await apply(self.sessions, self.group, [self.work(env, payload)]))[0]


def skipped(event_type: str, payload: Message) -> bool:
    """An SLA event of a kind the progress view ignores (lights, breaches, reports...), told
    from the one field, before the payload is turned into a dict."""
    return event_type == SLA and getattr(payload, "kind", "") not in SLA_KINDS


@dataclass
class ProgressRecorder:
    """Folds dispatch, sla and action events into the case's public progress, once each."""

    sessions: object  # async_sessionmaker
    directory: Directory | None = None
    group: str = "intake"

    def work(self, env: Envelope, payload: Message) -> Work | None:
        """The step an event makes; None when it changes nothing shown (no claim needed)."""
        if env.type not in TYPES or not env.subject:
            raise PoisonEvent(f"intake cannot apply {env.type}")
        if skipped(env.type, payload):
            return None
        step = step_of(env.type, events.fields_of(payload))
        if step.empty:
            return None
        if step.unit_id and not step.unit_name and self.directory is not None:
            # sla names a unit by id only; a unit the directory does not know stays unnamed.
            with contextlib.suppress(KeyError):
                step = replace(step, unit_name=self.directory.unit(step.unit_id).name)
        at = events.to_datetime(env.time) if env.HasField("time") else store.utcnow()
        return Work(env, step=step, at=at)

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Record the step; False for a redelivered event."""
        work = self.work(env, payload)
        if work is None:
            return True
        return (await apply(self.sessions, self.group, [work]))[0]


async def apply(sessions: Any, group: str, works: list[Work]) -> list[bool]:
    """Claim and apply events in their order in one transaction; False for each one
    redelivered (or given twice)."""
    out = [False] * len(works)
    closed: list[tuple[str, int, str]] = []
    async with sessions() as session, session.begin():
        fresh = await claim_many(
            session, store.processed_events, consumer=group, event_ids=[w.env.id for w in works]
        )
        # By case (each case's events keep their order): two batches that touch the same
        # cases lock their rows in one order, and never wait on each other in a circle.
        for i, w in sorted(enumerate(works), key=lambda iw: iw[1].env.subject):
            if w.env.id not in fresh:
                continue
            fresh.discard(w.env.id)
            out[i] = True
            case_no = w.env.subject
            if w.step is None:
                at = w.closed_at or store.utcnow()
                rows = await store.mark_closed(
                    session, case_no=case_no, at=at, reason=w.reason, detail=w.detail
                )
                closed.append((case_no, rows, w.reason))
            else:
                at = w.at or store.utcnow()
                await progress.record(session, case_no=case_no, step=w.step, at=at)
    for case_no, rows, reason in closed:
        with case_context(case_no):
            log.info("case closed", reason=reason, rows=rows)
    return out


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

    def _work(self, env: Envelope, payload: Message) -> Work | None:
        if env.type == events.CASE_CLOSED.name:
            return self.closer.work(env, payload)
        return self.recorder.work(env, payload)

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Apply the event; False for a redelivered one."""
        return (await self.apply_batch([(env, payload)]))[0]

    async def apply_batch(self, items: list[tuple[Envelope, Message]]) -> list[bool]:
        """Apply events in their order in one transaction (those that change nothing shown
        need none); for each, False if redelivered."""
        out = [True] * len(items)
        todo: list[tuple[int, Work]] = []
        for i, (env, payload) in enumerate(items):
            work = self._work(env, payload)
            if work is not None:
                todo.append((i, work))
        if todo:
            done = await apply(self.recorder.sessions, self.recorder.group, [w for _, w in todo])
            for (i, _), fresh in zip(todo, done, strict=True):
                out[i] = fresh
        return out
