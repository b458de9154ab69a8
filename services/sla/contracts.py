"""Inputs and outputs of the case workflow and its activities: one dataclass each, so fields
can be added later (always with a default) without breaking running workflows."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.sla.domain.casefile import (
    CaseFile,
    Clock,
    Extension,
    Limits,
    Rung,
    Takeover,
    Transition,
)
from services.sla.domain.parts import JointFile, Part

# Activity result of compute_deadlines; the old name stays for readers of older code.
DeadlineReply = Clock

__all__ = [
    "CallbackResult",
    "CaseFile",
    "CaseStart",
    "CaseStatus",
    "Clock",
    "DeadlineReply",
    "DeadlineRequest",
    "ExtendRequest",
    "Extension",
    "ExtensionDecision",
    "ExtensionRequest",
    "FollowCommand",
    "HandlerCommand",
    "JointFile",
    "LeadClosed",
    "Limits",
    "MoveRequest",
    "Part",
    "PartCommand",
    "PartStart",
    "Publication",
    "RejectCommand",
    "Rung",
    "TakeFollower",
    "Takeover",
    "Transition",
    "WindowRequest",
    "workflow_id",
]


def workflow_id(case_no: str) -> str:
    """One workflow per case: its id is derived from the case number and nothing else."""
    return f"case-{case_no}"


@dataclass
class CaseStart:
    """What the workflow needs from case.dispatched (and, continuing as new, its file)."""

    case_no: str
    difficulty: str
    urgent: bool
    topic: str
    ladder: list[Rung]
    dispatch_event_id: str = ""
    reopen_limit: int = 2
    limits: Limits | None = None
    arbitrated: bool = False
    attempt: int = 0
    carried: CaseFile | None = None
    # When dispatch announced the case (ISO-8601): the SLA clock starts then, not when a
    # backlog finally lets the workflow start. Empty in starts from before this field.
    dispatched_at: str = ""
    # 联动办: one part per co-unit, each with the ladder it climbs when overdue; and, when
    # continuing as new, the parts as they stand.
    parts: list[PartStart] = field(default_factory=list)
    carried_joint: JointFile | None = None


@dataclass
class PartStart:
    """A co-unit of a joint case and its own escalation ladder, from its own unit up."""

    unit_id: str
    ladder: list[Rung]


@dataclass
class PartCommand:
    """A co-unit's command on its part (`part_id` is the co-unit dispatch named)."""

    part_id: str
    actor: str
    note: str = ""


@dataclass
class DeadlineRequest:
    """Ask for the deadlines of one phase, counted from `start` (ISO-8601); `part` asks
    for a co-unit's part of a joint case."""

    difficulty: str
    urgent: bool
    start: str
    part: bool = False


@dataclass
class ExtendRequest:
    """Move the clock's resolve deadline by `amount` of `unit` (an approved 延期)."""

    clock: Clock
    amount: int
    unit: str


@dataclass
class MoveRequest:
    """The deadlines after a move (改派 or an accepted 上报) at `start`, by the moves policy."""

    clock: Clock
    difficulty: str
    urgent: bool
    start: str
    move: str  # "transfer" | "takeover"


@dataclass
class WindowRequest:
    """When the callback window opened at `start` closes."""

    start: str


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
    """The callback survey (回访): reached or not, and if reached, satisfied or not."""

    actor: str
    satisfied: bool
    note: str = ""
    reached: bool = True


@dataclass
class ExtensionRequest:
    """延期: how much more time, in the policy's extension unit, and why."""

    actor: str
    amount: int
    reason: str


@dataclass
class ExtensionDecision:
    """The tier above approves or denies a pending extension."""

    actor: str
    approve: bool
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
    pending_extension: Extension | None = None
    reopens: int = 0
    bounces: int = 0
    arbitrated: bool = False
    supervised: bool = False
    callback_attempts: int = 0
    bounce_until: str | None = None
    # 合并: the lead this case follows, the cases that follow it; why it closed.
    lead: str = ""
    followers: list[str] = field(default_factory=list)
    close_reason: str = ""
    # 联动办: each co-unit's part, and who overrode the open ones (with the reason).
    parts: list[Part] = field(default_factory=list)
    parts_overridden_by: str = ""
    parts_override_reason: str = ""
    # A 上报 waiting for the tier above (services/sla/domain/moves.py), and moves so far.
    pending_takeover: Takeover | None = None
    transfers: int = 0
    takeovers: int = 0


@dataclass
class RejectCommand:
    """不予受理: a reason from services/common/rejection.py, and a word more if needed."""

    actor: str
    reason: str
    text: str = ""


@dataclass
class FollowCommand:
    """合并, sent to the follower: it follows `lead` from now on."""

    actor: str
    lead: str
    note: str = ""


@dataclass
class TakeFollower:
    """合并, sent to the lead first: `follower` will follow it (or, undone, no longer)."""

    actor: str
    follower: str


@dataclass
class LeadClosed:
    """The lead's close, signalled to each of its followers."""

    lead: str
    reason: str
    note: str = ""
    resolution: str = ""
    actor: str = ""
