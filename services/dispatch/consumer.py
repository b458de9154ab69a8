"""Applies case.received (classify, link hotspots, route, announce), a partition's batch in
one transaction, and bounces on case.action."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from prometheus_client import Counter

from services.common import events
from services.common.events import Envelope, EventKind
from services.common.idempotency import claim_many
from services.common.kafka import OneByOne, PoisonEvent
from services.common.logging import case_context, get_logger
from services.common.metrics import DISPATCH_HOTSPOT_LINKS
from services.common.outbox import OutboxRelay, enqueue_many
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.request_types import Path, label, parse, path_of, suggest
from services.dispatch import store
from services.dispatch.casework import CaseWork
from services.dispatch.domain import Assignment, CaseText, Classification, explain, route
from services.dispatch.domain.hotspot import (
    HotspotPolicy,
    HotspotVerdict,
    Recent,
    assess,
    batch_candidates,
    batch_handling,
)
from services.dispatch.learning.live import LiveModels
from services.dispatch.publish import (
    SOURCE,
    Policies,
    assignment_of,
    dispatched_event,
    forwards_praise,
    ladder_rows,
    praise_closed,
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
class Draft:
    """A received case classified and routed, before the stored cases have their say."""

    env: Envelope
    payload: case_pb2.CaseReceived
    case: CaseText
    result: Classification
    live_topic: str
    assignment: Assignment
    received_at: datetime
    version: str
    shadow: tuple[str, Classification] | None  # a candidate model's version and guess


@dataclass
class Dispatcher:
    """The dispatch use case, with its ports injected.

    A partition's batch of received cases is dispatched in one transaction with one
    statement per table (claims, assignments, decisions, links, outbox) and one read of
    every case's hotspot candidates; a case of the batch sees the batch's cases before it
    as candidates too, as if they had come one by one.
    """

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
        return (await self.apply_batch([(env, payload)]))[0]

    async def apply_batch(self, items: list[tuple[Envelope, Message]]) -> list[bool]:
        """Dispatch the received cases of a batch in one transaction, in their order; for
        each event, False if already applied or not ours. A batch holding a bounce is left
        to be applied one event at a time."""
        out = [False] * len(items)
        drafts: list[tuple[int, Draft]] = []
        for i, (env, payload) in enumerate(items):
            if isinstance(payload, case_pb2.CaseAction):
                if payload.action == "bounced":
                    raise OneByOne("a bounce is applied in a transaction of its own")
                continue  # other actions are sla's and notify's business
            draft = self.draft(env, payload)
            if draft is not None:
                drafts.append((i, draft))
        if not drafts:
            return out
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            fresh = await claim_many(
                session,
                store.processed_events,
                consumer=self.group,
                event_ids=[d.env.id for _, d in drafts],
            )
            taken = await store.assigned(
                session, [d.payload.case_no for _, d in drafts if d.env.id in fresh]
            )
            todo: list[Draft] = []
            for i, d in drafts:
                if d.env.id not in fresh or d.payload.case_no in taken:
                    continue  # redelivered, or the case was dispatched already
                fresh.discard(d.env.id)
                taken.add(d.payload.case_no)
                out[i] = True
                todo.append(d)
            placed = await self._place(session, todo, now) if todo else []
        if placed:
            self.relay.wake()
        for row, verdict in placed:
            if verdict.links:
                DISPATCH_HOTSPOT_LINKS.labels(row["topic"]).inc()
            CASES_DISPATCHED.labels(
                row["difficulty"], row["tier"], row["topic"], str(row["manual"]).lower()
            ).inc()
            with case_context(row["case_no"]):
                log.info(
                    "case dispatched",
                    topic=row["topic"],
                    difficulty=row["difficulty"],
                    tier=row["tier"],
                    unit_id=row["unit_id"],
                    manual=row["manual"],
                    confidence=round(row["confidence"], 3),
                    links=len(verdict.links),
                )
        return out

    def draft(self, env: Envelope, payload: Message) -> Draft | None:
        """Classify and route a received case; None for a consultation answered at intake
        (直接答复) or a patrol report closed on the spot (就地办结), which intake closed: not
        ours."""
        if not isinstance(payload, case_pb2.CaseReceived):
            raise PoisonEvent(f"dispatch does not handle {env.type}")
        if payload.case_no != env.subject or not payload.content:
            raise PoisonEvent("case.received without a matching case number or content")
        if path_of(payload.request_type, answered=bool(payload.answer)) is Path.ANSWER:
            with case_context(payload.case_no):
                log.info("consultation answered at intake, not dispatched")
            return None
        if payload.on_spot_note:  # a patrol report closed on the spot (就地办结)
            with case_context(payload.case_no):
                log.info("patrol report closed on the spot, not dispatched")
            return None
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
        assignment = route(result, case, self.policies.directory, self.policies.routing)
        guess = None
        if shadow is not None and shadow_version is not None:
            guess = (shadow_version, shadow.classify(case))
        return Draft(
            env=env,
            payload=payload,
            case=case,
            result=result,
            live_topic=live_topic,
            assignment=assignment,
            received_at=events.to_datetime(payload.received_at),
            version=version,
            shadow=guess,
        )

    async def _place(
        self, session: Any, drafts: list[Draft], now: datetime
    ) -> list[tuple[dict[str, Any], HotspotVerdict]]:
        """Link, route and store new cases in order, and enqueue their events."""
        directory, routing = self.policies.directory, self.policies.routing
        window, limit = self.hotspots.window, self.hotspots.max_candidates
        queries: list[tuple[str, str, datetime]] = []
        asked: list[int | None] = []
        for d in drafts:
            grid = d.assignment.grid_code
            if grid is None:
                asked.append(None)
                continue
            # Only the same grid or village can match, so only those rows are read.
            prefix = grid if self.hotspots.nearby == "grid" else grid.rsplit("-", 1)[0]
            asked.append(len(queries))
            queries.append((d.result.topic, prefix, d.received_at - window))
        stored = await store.recent_cases_many(session, queries, limit=limit)
        earlier: list[Recent] = []
        rows: dict[str, dict[str, Any]] = {}
        placed: list[tuple[dict[str, Any], HotspotVerdict]] = []
        decisions: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        shadows: list[dict[str, Any]] = []
        outbox: list[tuple[EventKind, Envelope]] = []
        for d, k in zip(drafts, asked, strict=True):
            payload, result, assignment, case = d.payload, d.result, d.assignment, d.case
            if k is None:
                verdict = HotspotVerdict((), None, False, False, ())
            else:
                topic, prefix, since = queries[k]
                recent = batch_candidates(
                    [recent_of(r) for r in stored[k]],
                    earlier,
                    topic=topic,
                    grid_prefix=prefix,
                    since=since,
                    limit=limit,
                )
                verdict = assess(
                    topic=result.topic,
                    grid_code=assignment.grid_code,
                    text=f"{payload.title}\n{payload.content}",
                    received_at=d.received_at,
                    recent=recent,
                    policy=self.hotspots,
                )
            if verdict.merged and verdict.parent_case_no:
                parent = rows.get(verdict.parent_case_no) or await store.get_assignment(
                    session, case_no=verdict.parent_case_no
                )
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
            # Derived from the cause: a retry after a crash announces the very same event.
            event_id = events.derived_event_id(d.env.id, "dispatched")
            row: dict[str, Any] = {
                "case_no": payload.case_no,
                "event_id": event_id,
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
                "received_at": d.received_at,
                "dispatched_at": now,
                "attempt": 0,
                "ladder": ladder_rows(assignment, result.topic, self.policies),
                "parent_case_no": verdict.parent_case_no,
                "batch": verdict.batch,
                "merged": verdict.merged,
                "model_version": d.version,
                "request_type": payload.request_type or None,
            }
            rows[payload.case_no] = row
            placed.append((row, verdict))
            earlier.append(recent_of(row))
            if d.shadow is not None:
                shadow_version, guess = d.shadow
                shadows.append(
                    {
                        "case_no": payload.case_no,
                        "version": shadow_version,
                        "topic": guess.topic,
                        "confidence": guess.confidence,
                        "live_version": d.version,
                        "live_topic": d.live_topic,
                        "at": now,
                    }
                )
            links += [
                {
                    "case_no": payload.case_no,
                    "linked_case_no": link.case_no,
                    "similarity": link.similarity,
                    "reason": link.reason,
                }
                for link in verdict.links
            ]
            kind = "manual_queue" if assignment.manual else "auto"
            decisions.append(
                {
                    "case_no": payload.case_no,
                    "attempt": 0,
                    "kind": kind,
                    "unit_id": assignment.unit_id,
                    "actor": None,
                    "event_id": event_id,
                    "reasons": row["reasons"],
                    "at": now,
                }
            )
            dispatched = dispatched_event(
                row, event_id=event_id, now=now, decision=kind, reasons=row["reasons"]
            )
            outbox.append((events.CASE_DISPATCHED, dispatched))
            outbox += [
                (events.CASE_ACTION, linked)
                for linked in linked_events(d.env.id, payload.case_no, verdict, now)
            ]
            if forwards_praise(row):
                outbox.append((events.CASE_CLOSED, praise_closed(row, event_id, now)))
        await store.add_assignments(session, [row for row, _ in placed])
        await store.add_shadows(session, shadows)
        await store.add_many_links(session, links)
        await store.add_decisions(session, decisions)
        await enqueue_many(session, store.outbox, outbox)
        return placed


def recent_of(row: Mapping[str, Any]) -> Recent:
    """A stored (or just placed) case as a hotspot candidate."""
    return Recent(
        row["case_no"],
        row["topic"],
        row["grid_code"],
        f"{row['title'] or ''}\n{row['content']}",
        row["received_at"],
        row["parent_case_no"],
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
