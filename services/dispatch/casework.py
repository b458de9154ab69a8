"""Decisions after the first dispatch: bounce (退单), arbitration, human dispatch (人工派单)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter

from services.common import events
from services.common.events import Envelope
from services.common.idempotency import claim
from services.common.logging import get_logger
from services.common.metrics import DISPATCH_BOUNCES
from services.common.outbox import OutboxRelay, enqueue
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.dispatch import store
from services.dispatch.domain import (
    CaseText,
    Classification,
    Difficulty,
    Tier,
    route,
    summary_of,
)
from services.dispatch.domain.bounce import (
    BouncePolicy,
    CaseState,
    Outcome,
    arbitrator,
    judge,
    next_unit,
)
from services.dispatch.domain.ladder import LadderStep
from services.dispatch.domain.suggest import decided_by_hand
from services.dispatch.learning.live import LiveModels
from services.dispatch.publish import SOURCE, Policies, announce, assignment_of, ladder_rows

log = get_logger(__name__)
DECISIONS = Counter(
    "minhu_dispatch_decisions_total",
    "Dispatch decisions after the first one, by kind.",
    ["kind"],
)


class Conflict(ValueError):
    """The request does not fit the case's current state (HTTP 409)."""


class Invalid(ValueError):
    """The request names something that does not exist (HTTP 422)."""


@dataclass
class CaseWork:
    """Bounce handling, arbitration and human dispatch, with their ports injected."""

    sessions: Any  # async_sessionmaker
    relay: OutboxRelay
    models: LiveModels
    policies: Policies
    bounce_policy: BouncePolicy
    group: str = "dispatch"

    # --- bounce ------------------------------------------------------------------

    async def bounced(self, env: Envelope, action: case_pb2.CaseAction) -> bool:
        """Apply one bounce from sla: re-dispatch, open arbitration, or record a refusal."""
        if action.action != "bounced":
            return False  # other actions are sla's and notify's business
        at = events.to_datetime(action.at) if action.HasField("at") else datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            if not await claim(
                session, store.processed_events, consumer=self.group, event_id=env.id
            ):
                return False
            row = await store.lock_assignment(session, case_no=action.case_no)
            if row is None:
                log.warning("bounce of an unknown case ignored", case_no=action.case_no)
                return False
            pending = await store.get_arbitration(session, case_no=action.case_no)
            state = CaseState(
                unit_id=row["unit_id"],
                assigned_at=row["dispatched_at"],
                bounces=len(row["bounced_units"]),
                arbitrated=row["arbitrated"],
                arbitration_open=pending is not None and pending["decided_at"] is None,
            )
            verdict = judge(state, unit_id=action.unit_id, at=at, policy=self.bounce_policy)
            why = f"{action.unit_id} 退单（{action.note or '未说明理由'}）：{verdict.reason}"
            if verdict.outcome is Outcome.REFUSED:
                await store.add_decision(
                    session,
                    case_no=row["case_no"],
                    attempt=row["attempt"],
                    kind="bounce_refused",
                    unit_id=action.unit_id,
                    actor=action.actor or None,
                    event_id=env.id,
                    reasons=[why],
                    at=at,
                )
                DECISIONS.labels("bounce_refused").inc()
                return True
            DISPATCH_BOUNCES.labels(row["tier"]).inc()
            avoid = [*row["bounced_units"], action.unit_id]
            candidates = self._candidates(row)
            target = next_unit((u for u, _ in candidates), avoid)
            if verdict.outcome is Outcome.ARBITRATE or target is None:
                await self._open_arbitration(session, row, avoid, candidates, why, at)
                return True
            options = dict(candidates)
            assignment, topic = options[target]
            reasons = [why, f"改派至{assignment.unit_name}（避开已退单单位 {'、'.join(avoid)}）"]
            await self._redispatch(
                session,
                row,
                assignment,
                topic,
                avoid=avoid,
                reasons=reasons,
                event_id=events.derived_event_id(env.id, "redispatched"),
                kind="bounce_redispatch",
                actor=action.actor or None,
            )
        self.relay.wake()
        return True

    def _candidates(self, row: dict[str, Any]) -> list[tuple[str, tuple[Any, str]]]:
        """Units in order of preference: best topics' routes, co-units, then the ladder up."""
        case = CaseText(
            title=row["title"] or "",
            content=row["content"],
            address=row["address"],
            grid_code=row["grid_code"],
            urgent=row["urgent"],
        )
        mixed, *_ = self.models.classifier.topic_distribution(case)
        base = Classification(
            topic=row["topic"],
            difficulty=Difficulty(row["difficulty"]),
            urgent=row["urgent"],
            major=row["major"],
            confidence=1.0,
            reasons=(),
        )
        out: list[tuple[str, tuple[Any, str]]] = []
        topics = [row["topic"], *sorted(mixed, key=lambda t: -mixed[t])[:3]]
        for topic in dict.fromkeys(topics):
            found = route(
                dataclasses.replace(base, topic=topic),
                case,
                self.policies.directory,
                self.policies.routing,
            )
            out.append((found.unit_id, (found, topic)))
            for co in found.co_unit_ids:
                out.append((co, (self._at_unit(co, row), topic)))
        for step in row["ladder"][1:]:
            if step["tier"] in {t.value for t in Tier}:
                out.append((step["unit_id"], (self._at_unit(step["unit_id"], row), row["topic"])))
        return out

    def _at_unit(self, unit_id: str, row: dict[str, Any]) -> Any:
        unit = self.policies.directory.unit(unit_id)
        return dataclasses.replace(
            assignment_of(row),
            unit_id=unit.id,
            unit_name=unit.name,
            tier=unit.tier,
            co_unit_ids=(),
            manual=False,
        )

    async def _open_arbitration(
        self,
        session: Any,
        row: dict[str, Any],
        avoid: list[str],
        candidates: list[tuple[str, Any]],
        why: str,
        at: datetime,
    ) -> None:
        ladder = [LadderStep(**s) for s in row["ladder"]]
        judge_step = arbitrator(ladder, row["unit_id"])
        options = [u for u in dict.fromkeys(u for u, _ in candidates) if u not in avoid]
        await store.open_arbitration(
            session,
            case_no=row["case_no"],
            arbitrator_unit_id=judge_step.unit_id,
            arbitrator_name=judge_step.unit_name,
            bounced_units=avoid,
            candidates=options,
            opened_at=at,
        )
        await store.update_assignment(
            session, case_no=row["case_no"], bounced_units=avoid, arbitration=True
        )
        await store.add_decision(
            session,
            case_no=row["case_no"],
            attempt=row["attempt"],
            kind="arbitration_opened",
            unit_id=judge_step.unit_id,
            actor=None,
            event_id=None,
            reasons=[why, f"提请{judge_step.unit_name}仲裁，指定承办单位后为最终决定"],
            at=at,
        )
        DECISIONS.labels("arbitration_opened").inc()
        # The arbitration is on the record, and the arbitrating tier's open pages hear of it.
        opened = case_pb2.CaseAction(
            case_no=row["case_no"],
            action="arbitration_opened",
            actor="",
            unit_id=judge_step.unit_id,
            note=f"{why}；提请{judge_step.unit_name}仲裁",
            state="bounced",
            at=events.timestamp(at),
        )
        env = events.envelope(
            events.CASE_ACTION,
            opened,
            subject=row["case_no"],
            source=SOURCE,
            event_id=events.derived_event_id(row["case_no"], "arbitration", str(row["attempt"])),
            time=at,
        )
        await enqueue(session, store.outbox, events.CASE_ACTION, env)

    async def _redispatch(
        self,
        session: Any,
        row: dict[str, Any],
        assignment: Any,
        topic: str,
        *,
        avoid: list[str],
        reasons: list[str],
        event_id: str,
        kind: str,
        actor: str | None,
        extra: dict[str, Any] | None = None,
    ) -> Envelope:
        ladder = ladder_rows(assignment, topic, self.policies)
        changes = {
            "unit_id": assignment.unit_id,
            "unit_name": assignment.unit_name,
            "tier": assignment.tier.value,
            "co_unit_ids": list(assignment.co_unit_ids),
            "topic": topic,
            "manual": False,
            "attempt": row["attempt"] + 1,
            "bounced_units": avoid,
            "ladder": ladder,
            "explanation": (
                f"改派至「{assignment.unit_name}」。原判定：{summary_of(row['explanation'])}"
            ),
            "reasons": [*reasons, *row["reasons"]],
            **(extra or {}),
        }
        env = await announce(
            session,
            row,
            changes,
            event_id=event_id,
            kind=kind,
            actor=actor,
            reasons=reasons,
            now=datetime.now(UTC),
        )
        DECISIONS.labels(kind).inc()
        return env

    # --- arbitration and human dispatch (called by the API) -----------------------

    async def arbitrate(
        self, case_no: str, *, actor: str, unit_id: str, note: str
    ) -> dict[str, Any]:
        """The arbitrator's final choice of unit; announced as an arbitrated case.dispatched."""
        unit = self._unit(unit_id)
        async with self.sessions() as session, session.begin():
            arbitration = await store.get_arbitration(session, case_no=case_no, lock=True)
            row = await store.lock_assignment(session, case_no=case_no)
            if arbitration is None or row is None:
                raise Invalid(f"{case_no} 没有仲裁记录")
            if arbitration["decided_at"] is not None:
                raise Conflict(
                    f"{case_no} 已于仲裁中指定 {arbitration['decided_unit_id']}，不可更改"
                )
            now = datetime.now(UTC)
            await store.decide_arbitration(
                session,
                case_no=case_no,
                decided_unit_id=unit.id,
                decided_by=actor,
                note=note or None,
                decided_at=now,
            )
            reasons = [
                f"{arbitration['arbitrator_name']}仲裁（{actor}）：指定{unit.name}承办，"
                f"为最终决定{('；' + note) if note else ''}"
            ]
            await self._redispatch(
                session,
                row,
                self._at_unit(unit.id, row),
                row["topic"],
                avoid=row["bounced_units"],
                reasons=reasons,
                event_id=events.derived_event_id(case_no, "arbitrated"),
                kind="arbitrated",
                actor=actor,
                extra={"arbitrated": True, "arbitration": False},
            )
        self.relay.wake()
        return row

    async def human_dispatch(
        self,
        case_no: str,
        *,
        actor: str,
        unit_id: str | None,
        topic: str | None,
        difficulty: str | None,
        note: str,
    ) -> dict[str, Any]:
        """A dispatcher confirms or corrects a manual-queue case; corrections become data."""
        async with self.sessions() as session, session.begin():
            row = await store.lock_assignment(session, case_no=case_no)
            if row is None:
                raise Invalid(f"{case_no} 没有派单记录")
            if not row["manual"]:
                raise Conflict(f"{case_no} 不在人工派单队列中")
            new_topic = topic or row["topic"]
            new_difficulty = Difficulty(difficulty or row["difficulty"])
            now = datetime.now(UTC)
            reasons = [f"人工派单（{actor}）{('：' + note) if note else ''}"]
            if (new_topic, new_difficulty.value) != (row["topic"], row["difficulty"]):
                await store.add_correction(
                    session,
                    case_no=case_no,
                    title=row["title"],
                    content=row["content"],
                    suggested_topic=row["topic"],
                    suggested_difficulty=row["difficulty"],
                    topic=new_topic,
                    difficulty=new_difficulty.value,
                    actor=actor,
                    at=now,
                )
                reasons.append(
                    f"改判为「{new_topic}」「{new_difficulty.label}」"
                    f"（模型建议「{row['topic']}」「{row['difficulty']}」）"
                )
            case = CaseText(
                title=row["title"] or "",
                content=row["content"],
                address=row["address"],
                grid_code=row["grid_code"],
                urgent=row["urgent"],
            )
            result = Classification(new_topic, new_difficulty, row["urgent"], row["major"], 1.0, ())
            assignment = route(result, case, self.policies.directory, self.policies.routing)
            if unit_id:
                assignment = self._at_unit(self._unit(unit_id).id, row)
            elif assignment.manual:
                raise Invalid("无法自动定位承办单位，请指定 unit_id")
            reasons.append(f"派至{assignment.unit_name}")
            await self._redispatch(
                session,
                row,
                assignment,
                new_topic,
                avoid=row["bounced_units"],
                reasons=reasons,
                event_id=events.derived_event_id(case_no, "human", str(row["attempt"])),
                kind="human_dispatch",
                actor=actor,
                extra={
                    "difficulty": new_difficulty.value,
                    "explanation": decided_by_hand(reasons, row["explanation"]),
                },
            )
        self.relay.wake()
        return row

    def _unit(self, unit_id: str) -> Any:
        try:
            return self.policies.directory.unit(unit_id)
        except KeyError:
            raise Invalid(f"未知单位 {unit_id}") from None
