"""Applies case.received (classify, link hotspots, route, announce) and bounces on case.action."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from prometheus_client import Counter

from services.common import events
from services.common.events import Envelope
from services.common.idempotency import claim
from services.common.kafka import PoisonEvent
from services.common.logging import get_logger
from services.common.metrics import DISPATCH_HOTSPOT_LINKS
from services.common.outbox import OutboxRelay, enqueue
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.request_types import Path, label, parse, path_of, suggest
from services.dispatch import store
from services.dispatch.casework import CaseWork
from services.dispatch.domain import CaseText, explain, route
from services.dispatch.domain.hotspot import (
    HotspotPolicy,
    HotspotVerdict,
    Recent,
    assess,
    batch_handling,
)
from services.dispatch.learning.live import LiveModels
from services.dispatch.publish import (
    SOURCE,
    Policies,
    assignment_of,
    close_praise,
    dispatched_event,
    forwards_praise,
    ladder_rows,
)

log = get_logger(__name__)
CASES_DISPATCHED = Counter(
    "minhu_cases_dispatched_total",
    "Cases dispatched, by difficulty, tier, topic and whether a human must confirm.",
    ["difficulty", "tier", "topic", "manual"],
)


def type_reason(request_type: str, case: CaseText) -> str:
    """Why the case has its type, one line: the operator's choice and what the text suggests."""
    suggestion = suggest(f"{case.title or ''} {case.content}")
    chosen = parse(request_type)
    if chosen is None:
        return f"未标注诉求类型，按投诉办理；{suggestion.explanation}"
    if chosen is suggestion.type:
        return f"诉求类型「{label(request_type)}」；{suggestion.explanation}"
    return f"诉求类型「{label(request_type)}」（受理时选定）；文本{suggestion.explanation}"


@dataclass
class Dispatcher:
    """The dispatch use case, with its ports injected."""

    sessions: Any  # async_sessionmaker
    relay: OutboxRelay
    models: LiveModels
    policies: Policies
    hotspots: HotspotPolicy
    casework: CaseWork
    group: str = "dispatch"

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Dispatch a received case or apply a bounce; False if already applied or not ours."""
        if isinstance(payload, case_pb2.CaseAction):
            return await self.casework.bounced(env, payload)
        if not isinstance(payload, case_pb2.CaseReceived):
            raise PoisonEvent(f"dispatch does not handle {env.type}")
        if payload.case_no != env.subject or not payload.content:
            raise PoisonEvent("case.received without a matching case number or content")
        return await self.received(env, payload)

    async def received(self, env: Envelope, payload: case_pb2.CaseReceived) -> bool:
        """Classify, link to similar recent cases, route, store and announce one case.

        A consultation answered on the call (直接答复) and a patrol report closed on the spot
        (就地办结) were closed at intake: not ours.
        """
        if path_of(payload.request_type, answered=bool(payload.answer)) is Path.ANSWER:
            log.info("consultation answered at intake, not dispatched", case_no=payload.case_no)
            return False
        if payload.on_spot_note:
            log.info("patrol report closed on the spot, not dispatched", case_no=payload.case_no)
            return False
        case = CaseText(
            title=payload.title,
            content=payload.content,
            address=payload.address or None,
            grid_code=payload.grid_code or None,
            urgent=payload.urgent,
            latitude=payload.latitude if payload.HasField("latitude") else None,
            longitude=payload.longitude if payload.HasField("longitude") else None,
            channel=payload.channel,
        )
        models = self.models  # one snapshot: a promotion mid-case does not mix versions
        live, version = models.classifier, models.version
        shadow, shadow_version = models.shadow, models.shadow_version
        result = live.classify(case)
        live_topic = result.topic
        result = dataclasses.replace(
            result, reasons=(*result.reasons, type_reason(payload.request_type, case))
        )
        directory, routing = self.policies.directory, self.policies.routing
        assignment = route(result, case, directory, routing)
        received_at = events.to_datetime(payload.received_at)
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            if not await claim(
                session, store.processed_events, consumer=self.group, event_id=env.id
            ):
                return False
            if await store.get_assignment(session, case_no=payload.case_no) is not None:
                return False
            verdict = await self._hotspot(
                session, payload, result.topic, assignment.grid_code, received_at
            )
            if verdict.merged and verdict.parent_case_no:
                parent = await store.get_assignment(session, case_no=verdict.parent_case_no)
                if parent is not None:
                    assignment = dataclasses.replace(
                        assignment_of(parent),
                        grid_code=assignment.grid_code,
                        reasons=(*assignment.reasons, f"与主工单 {parent['case_no']} 同一承办单位"),
                    )
            elif verdict.batch:
                # Many calls about one broken lamp are repeats, not a harder matter; many
                # about a general matter make it one for several units (联动办).
                difficulty, verdict = batch_handling(verdict, result.difficulty)
                if difficulty is not result.difficulty:
                    result = dataclasses.replace(result, difficulty=difficulty)
                    assignment = route(result, case, directory, routing)
            result = dataclasses.replace(result, reasons=(*result.reasons, *verdict.reasons))
            explanation = explain(result, assignment)
            row: dict[str, Any] = {
                "case_no": payload.case_no,
                "title": payload.title or None,
                "content": payload.content,
                "address": payload.address or None,
                "grid_code": assignment.grid_code,
                "topic": result.topic,
                "difficulty": result.difficulty.value,
                "tier": assignment.tier.value,
                "unit_id": assignment.unit_id,
                "unit_name": assignment.unit_name,
                "co_unit_ids": list(assignment.co_unit_ids),
                "confidence": result.confidence,
                "urgent": result.urgent,
                "major": result.major,
                "manual": assignment.manual,
                "explanation": explanation,
                "reasons": [*result.reasons, *assignment.reasons],
                "received_at": received_at,
                "dispatched_at": now,
                "attempt": 0,
                "ladder": ladder_rows(assignment, result.topic, self.policies),
                "parent_case_no": verdict.parent_case_no,
                "batch": verdict.batch,
                "merged": verdict.merged,
                "model_version": version,
                "request_type": payload.request_type or None,
            }
            # Derived from the cause: a retry after a crash announces the very same event.
            event_id = events.derived_event_id(env.id, "dispatched")
            await store.add_assignment(session, event_id=event_id, **row)
            if shadow is not None and shadow_version is not None:
                guess = shadow.classify(case)
                await store.add_shadow(
                    session,
                    case_no=payload.case_no,
                    version=shadow_version,
                    topic=guess.topic,
                    confidence=guess.confidence,
                    live_version=version,
                    live_topic=live_topic,
                    at=now,
                )
            await store.add_links(
                session,
                case_no=payload.case_no,
                links=[
                    {"linked_case_no": k.case_no, "similarity": k.similarity, "reason": k.reason}
                    for k in verdict.links
                ],
            )
            await store.add_decision(
                session,
                case_no=payload.case_no,
                attempt=0,
                kind="manual_queue" if assignment.manual else "auto",
                unit_id=assignment.unit_id,
                actor=None,
                event_id=event_id,
                reasons=row["reasons"],
                at=now,
            )
            dispatched = dispatched_event(
                row,
                event_id=event_id,
                now=now,
                decision="manual_queue" if assignment.manual else "auto",
                reasons=row["reasons"],
            )
            await enqueue(session, store.outbox, events.CASE_DISPATCHED, dispatched)
            for linked in linked_events(env.id, payload.case_no, verdict, now):
                await enqueue(session, store.outbox, events.CASE_ACTION, linked)
            if forwards_praise(row):
                await close_praise(session, row, cause_id=event_id, now=now)
        self.relay.wake()
        if verdict.links:
            DISPATCH_HOTSPOT_LINKS.labels(result.topic).inc()
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
            links=len(verdict.links),
        )
        return True

    async def _hotspot(
        self,
        session: Any,
        payload: case_pb2.CaseReceived,
        topic: str,
        grid_code: str | None,
        received_at: datetime,
    ) -> HotspotVerdict:
        if grid_code is None:
            return HotspotVerdict((), None, False, False, ())
        # Only the same grid or village can match, so only those rows are read.
        prefix = grid_code if self.hotspots.nearby == "grid" else grid_code.rsplit("-", 1)[0]
        rows = await store.recent_cases(
            session,
            topic=topic,
            since=received_at - self.hotspots.window,
            limit=self.hotspots.max_candidates,
            grid_prefix=prefix,
        )
        recent = [
            Recent(
                r["case_no"],
                r["topic"],
                r["grid_code"],
                f"{r['title'] or ''}\n{r['content']}",
                r["received_at"],
                r["parent_case_no"],
            )
            for r in rows
        ]
        return assess(
            topic=topic,
            grid_code=grid_code,
            text=f"{payload.title}\n{payload.content}",
            received_at=received_at,
            recent=recent,
            policy=self.hotspots,
        )


def linked_events(
    cause: str, case_no: str, verdict: HotspotVerdict, now: datetime
) -> list[Envelope]:
    """`linked` on both cases of each link, so each case's record names the other and why
    (the earlier case's handlers learn of the new, similar report)."""
    out = []
    for link in verdict.links:
        for subject, other in ((case_no, link.case_no), (link.case_no, case_no)):
            payload = case_pb2.CaseAction(
                case_no=subject,
                action="linked",
                note=f"相似诉求：{link.reason}",
                at=events.timestamp(now),
                related_case_no=other,
            )
            out.append(
                events.envelope(
                    events.CASE_ACTION,
                    payload,
                    subject=subject,
                    source=SOURCE,
                    event_id=events.derived_event_id(cause, "linked", subject, other),
                    time=now,
                )
            )
    return out
