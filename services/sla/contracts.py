"""Inputs and outputs of the case workflow and its activities: one dataclass each, so fields
can be added later without breaking running workflows."""

from __future__ import annotations

from dataclasses import dataclass, field


def workflow_id(case_no: str) -> str:
    """One workflow per case: its id is derived from the case number and nothing else."""
    return f"case-{case_no}"


@dataclass
class Rung:
    """Who holds the case at one tier of its escalation ladder."""

    tier: str
    unit_id: str
    unit_name: str


@dataclass
class CaseStart:
    """What the workflow needs from case.dispatched."""

    case_no: str
    difficulty: str
    urgent: bool
    topic: str
    ladder: list[Rung]
    dispatch_event_id: str = ""
    reopen_limit: int = 2


@dataclass
class DeadlineRequest:
    """Ask for the deadlines of one phase, counted from `start` (ISO-8601)."""

    difficulty: str
    urgent: bool
    start: str


@dataclass
class DeadlineReply:
    """Deadlines and yellow points, ISO-8601 in UTC."""

    accept_due: str
    resolve_due: str
    accept_yellow_at: str
    resolve_yellow_at: str


@dataclass
class Publication:
    """One event the workflow announces; event_id is derived from workflow id and sequence."""

    event_id: str
    case_no: str
    topic: str  # "sla" | "action" | "closed"
    fields: dict[str, str | int | bool] = field(default_factory=dict)


@dataclass
class HandlerCommand:
    """A handler's or supervisor's command to the workflow."""

    actor: str
    note: str = ""


@dataclass
class CallbackResult:
    """The citizen's answer at the callback survey (回访)."""

    actor: str
    satisfied: bool
    note: str = ""


@dataclass
class Transition:
    """One line of a case's SLA history."""

    at: str
    kind: str
    state: str
    tier: str
    unit_id: str
    note: str = ""


@dataclass
class CaseStatus:
    """What the sla API shows of a case."""

    case_no: str
    state: str
    tier: str
    unit_id: str
    unit_name: str
    light: str
    accept_due: str | None
    resolve_due: str | None
    escalations: list[Transition]
    history: list[Transition]
