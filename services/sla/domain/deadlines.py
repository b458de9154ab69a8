"""Deadlines of a case, its SLA light (红黄绿灯) and the escalation ladder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .calendar import WorkingCalendar
from .policy import SlaPolicy, Tier


class Light(StrEnum):
    """Green until the yellow ratio of a deadline has passed, red once it is due."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Deadlines:
    accept_due: datetime
    resolve_due: datetime
    accept_yellow_at: datetime
    resolve_yellow_at: datetime
    progress_every: timedelta | None


def compute_deadlines(
    policy: SlaPolicy,
    calendar: WorkingCalendar,
    *,
    difficulty: str,
    urgent: bool,
    start: datetime,
    part: bool = False,
) -> Deadlines:
    """Deadlines for a case of `difficulty` whose clock starts at `start` (UTC out); with
    `part`, of a co-unit's part of it (the policy's joint_part, where it has one)."""
    rules = policy.difficulties.get(difficulty)
    if rules is None:
        known = ", ".join(policy.difficulties)
        raise ValueError(f"unknown difficulty {difficulty!r}; expected one of {known}")
    accept, resolve = rules.accept, rules.resolve
    progress = rules.progress_report_every
    if part and policy.joint_part is not None:
        accept, resolve, progress = policy.joint_part.accept, policy.joint_part.resolve, None
    accept_due = calendar.add(start, accept)
    resolve_due = calendar.add(start, resolve)
    if urgent:
        # Urgency only ever shortens a deadline, whatever a policy file says.
        accept_due = min(accept_due, calendar.add(start, policy.urgent.accept))
        resolve_due = min(resolve_due, calendar.add(start, policy.urgent.resolve))
    return Deadlines(
        accept_due=accept_due,
        resolve_due=resolve_due,
        accept_yellow_at=yellow_at(start, accept_due, policy.yellow_ratio),
        resolve_yellow_at=yellow_at(start, resolve_due, policy.yellow_ratio),
        progress_every=progress.as_timedelta() if progress else None,
    )


def yellow_at(start: datetime, due: datetime, ratio: float) -> datetime:
    """The instant `ratio` of the wall-clock way from `start` to `due` (UTC out)."""
    start_utc, due_utc = start.astimezone(UTC), due.astimezone(UTC)
    if due_utc <= start_utc:
        return due_utc
    return start_utc + (due_utc - start_utc) * ratio


def light_at(now: datetime, *, start: datetime, due: datetime, ratio: float) -> Light:
    """The SLA light at `now`: red from `due`, yellow from the yellow ratio, else green."""
    if now >= due:
        return Light.RED
    if now >= yellow_at(start, due, ratio):
        return Light.YELLOW
    return Light.GREEN


def next_tier(policy: SlaPolicy, tier: Tier) -> Tier | None:
    """The ladder rung above `tier`, or None when `tier` is already at the top."""
    order = list(Tier)
    rank = order.index(Tier(tier))
    return next((t for t in policy.ladder if order.index(t) > rank), None)
