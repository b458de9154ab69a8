"""Applies case.closed: intake marks the case (and its linked repeat calls) closed.

Intake needs this to know which cases are still open: a repeat call links only to an
open case, and Open311 reports status open/closed without asking another service.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from services.common import events
from services.common.events import Envelope
from services.common.idempotency import claim
from services.common.kafka import PoisonEvent
from services.common.logging import case_context, get_logger
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.intake import store

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
