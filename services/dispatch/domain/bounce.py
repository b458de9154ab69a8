"""Bounce-back (退单) and arbitration: where a bounced case goes next, and who arbitrates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.dispatch.domain.ladder import SUPERVISION, LadderStep


class BouncePolicyError(ValueError):
    """The bounce section of the handling policy is malformed."""


@dataclass(frozen=True, slots=True)
class BouncePolicy:
    """How long a unit may bounce a case, and how many bounces lead to arbitration."""

    window: timedelta = timedelta(hours=24)
    max_bounces: int = 2

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BouncePolicy:
        """Read the `bounce` section of policy/handling.yaml."""
        section = data.get("bounce") or {}
        if not isinstance(section, dict):
            raise BouncePolicyError("'bounce' must be a mapping")
        try:
            policy = cls(
                window=timedelta(hours=float(section.get("window_hours", 24))),
                max_bounces=int(section.get("max_bounces", 2)),
            )
        except (TypeError, ValueError) as exc:
            raise BouncePolicyError(f"bounce: {exc}") from exc
        if policy.max_bounces < 1:
            raise BouncePolicyError("bounce: max_bounces must be at least 1")
        return policy


class Outcome(StrEnum):
    REDISPATCH = "redispatch"
    ARBITRATE = "arbitrate"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class BounceDecision:
    """What a bounce leads to, with the reason a dispatcher reads."""

    outcome: Outcome
    reason: str


@dataclass(frozen=True, slots=True)
class CaseState:
    """The assignment facts a bounce is judged against."""

    unit_id: str
    assigned_at: datetime
    bounces: int
    arbitrated: bool
    arbitration_open: bool


def judge(state: CaseState, *, unit_id: str, at: datetime, policy: BouncePolicy) -> BounceDecision:
    """Accept or refuse one bounce; the bounce that reaches the cap opens arbitration."""
    if state.arbitrated:
        return BounceDecision(Outcome.REFUSED, "仲裁结果为最终决定，不再受理退单")
    if state.arbitration_open:
        return BounceDecision(Outcome.REFUSED, "已提交仲裁，等待仲裁单位指定承办单位")
    if unit_id != state.unit_id:
        return BounceDecision(Outcome.REFUSED, f"退单单位 {unit_id} 不是当前承办单位")
    if at - state.assigned_at > policy.window:
        hours = policy.window.total_seconds() / 3600
        return BounceDecision(Outcome.REFUSED, f"超过 {hours:.0f} 小时退单时限，不予退单")
    count = state.bounces + 1
    if count >= policy.max_bounces:
        return BounceDecision(
            Outcome.ARBITRATE,
            f"第 {count} 次退单，达到上限 {policy.max_bounces} 次，提请上一级仲裁",
        )
    return BounceDecision(Outcome.REDISPATCH, f"第 {count} 次退单，改派其他单位")


def next_unit(candidates: Iterable[str], avoid: Iterable[str]) -> str | None:
    """The first candidate unit that has not bounced the case."""
    avoided = set(avoid)
    return next((c for c in dict.fromkeys(candidates) if c not in avoided), None)


def arbitrator(ladder: Sequence[LadderStep], bounced_unit: str) -> LadderStep:
    """One tier above the bouncing unit on its ladder; 督办 when nothing sits above it."""
    for i, step in enumerate(ladder):
        if step.unit_id == bounced_unit and i + 1 < len(ladder):
            return ladder[i + 1]
    return next((s for s in ladder if s.tier == SUPERVISION), ladder[-1])
