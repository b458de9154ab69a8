"""What sla holds of one case, and which commands its state allows. Pure: no Temporal here.

The case workflow keeps one CaseFile, asks it whether a command is allowed (a refusal is a
Chinese sentence for the handler), and carries it over when it continues as new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.common.labels import amount as time_amount

AWAITING_ACCEPT = "dispatched"
ACCEPTED = "accepted"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
REOPENED = "reopened"
BOUNCED = "bounced"
CLOSED = "closed"
# 合并: the case follows a lead case (its own deadlines stopped) until the lead closes.
MERGED = "merged"
WORKING = (ACCEPTED, IN_PROGRESS, REOPENED)
GREEN, YELLOW, RED = "green", "yellow", "red"

STATE_LABELS = {
    AWAITING_ACCEPT: "待签收",
    ACCEPTED: "已签收",
    IN_PROGRESS: "办理中",
    RESOLVED: "已办结待回访",
    REOPENED: "重办中",
    BOUNCED: "已退单待重新派单",
    CLOSED: "已销号",
    MERGED: "已并入主办工单",
}


class Refused(Exception):
    """A command the case's state does not allow; the message is shown to the handler."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Rung:
    """Who holds the case at one tier of its escalation ladder."""

    tier: str
    unit_id: str
    unit_name: str


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
class Clock:
    """Deadlines of the current phase, ISO-8601 in UTC (computed by an activity)."""

    accept_due: str
    resolve_due: str
    accept_yellow_at: str
    resolve_yellow_at: str
    start: str = ""
    bounce_until: str = ""
    progress_every_seconds: float = 0.0


@dataclass
class Limits:
    """The policy's limits at dispatch time (reopens, extensions, callbacks, bounces)."""

    reopen_limit: int = 2
    extension_max_count: int = 2
    extension_max_total: int = 10
    extension_unit: str = "working_days"
    callback_attempts: int = 3
    max_bounces: int = 2
    # Continue as new past this many history events, so a long case never grows unbounded.
    history_limit: int = 2000


@dataclass
class Extension:
    """A pending request for more time (延期), decided by the tier above."""

    actor: str
    amount: int
    reason: str
    requested_at: str


@dataclass
class Takeover:
    """A pending 上报: the handling unit asks `to` (its ladder's next rung) to take over."""

    actor: str
    reason: str
    requested_at: str
    from_unit_id: str
    to: Rung


@dataclass
class CaseFile:
    """The case as sla holds it, from dispatch to close-out."""

    case_no: str
    difficulty: str
    urgent: bool
    topic: str
    ladder: list[Rung]
    limits: Limits = field(default_factory=Limits)
    rung: int = 0
    state: str = AWAITING_ACCEPT
    light: str = GREEN
    clock: Clock | None = None
    history: list[Transition] = field(default_factory=list)
    escalations: list[Transition] = field(default_factory=list)
    seq: int = 0
    reopens: int = 0
    extensions_granted: int = 0
    extension_used: int = 0
    pending_extension: Extension | None = None
    callback_attempts: int = 0
    supervised: bool = False
    arbitrated: bool = False
    bounces: int = 0
    last_progress_at: str = ""
    callback_due: str = ""
    close_reason: str = ""
    dispatch_ids: list[str] = field(default_factory=list)
    # 合并 (services/sla/domain/merging.py): the lead this case follows, the cases that
    # follow this one, and the resolution (办结情况) its followers close with.
    lead: str = ""
    followers: list[str] = field(default_factory=list)
    resolution: str = ""
    # Moves after acceptance (services/sla/domain/moves.py): 改派 and 上报.
    pending_takeover: Takeover | None = None
    transfers: int = 0
    takeovers: int = 0

    @property
    def unit(self) -> Rung:
        """The rung currently holding the case."""
        return self.ladder[self.rung]

    @property
    def at_top(self) -> bool:
        """True when no rung is left above the current one."""
        return self.rung + 1 >= len(self.ladder)

    def record(self, kind: str, at: str, *, actor: str = "", note: str = "") -> Transition:
        """Append a history line for the current state and unit."""
        entry = Transition(
            at=at,
            kind=kind,
            state=self.state,
            tier=self.unit.tier,
            unit_id=self.unit.unit_id,
            note=f"{actor}：{note}" if actor and note else (actor or note),
        )
        self.history.append(entry)
        return entry

    # -- what each command needs ---------------------------------------------------------

    def _in(self, states: tuple[str, ...], doing: str) -> None:
        if self.state not in states:
            label = STATE_LABELS.get(self.state, self.state)
            raise Refused(f"当前状态为「{label}」，不能{doing}")

    @staticmethod
    def _need(value: str, what: str) -> None:
        if not value.strip():
            raise Refused(f"请填写{what}")

    def check_accept(self, actor: str) -> None:
        """签收 needs a case waiting for acceptance."""
        self._in((AWAITING_ACCEPT,), "签收")
        self._need(actor, "操作人")

    def check_progress(self, actor: str, note: str) -> None:
        """A progress report needs an accepted case and a note."""
        self._in(WORKING, "反馈进展（请先签收）")
        self._need(actor, "操作人")
        self._need(note, "办理进展")

    def check_resolve(self, actor: str, note: str) -> None:
        """办结 needs an accepted case and the resolution text."""
        self._in(WORKING, "办结（请先签收）")
        self._need(actor, "操作人")
        self._need(note, "办结情况（办理结果）")

    def check_callback(self, actor: str) -> None:
        """回访 follows 办结."""
        self._in((RESOLVED,), "回访（办结后才能回访）")
        self._need(actor, "回访人")

    def check_close(self, actor: str, note: str) -> None:
        """督办销号 needs a reason, and a case not yet closed."""
        if self.state == CLOSED:
            raise Refused("工单已办结销号")
        self._need(actor, "操作人")
        self._need(note, "销号理由")

    def check_extension_request(self, actor: str, amount: int, reason: str) -> None:
        """延期 within the policy's count and total, one request at a time."""
        self._in(WORKING, "申请延期（签收后才能申请）")
        self._need(actor, "申请人")
        self._need(reason, "延期理由")
        if self.pending_extension is not None:
            raise Refused("已有延期申请待审批")
        if amount <= 0:
            raise Refused("延期时长须大于零")
        if self.extensions_granted >= self.limits.extension_max_count:
            raise Refused(f"延期次数已达上限（{self.limits.extension_max_count} 次）")
        left = self.limits.extension_max_total - self.extension_used
        if amount > left:
            raise Refused(
                f"延期总时长超出上限，最多还可延期 {time_amount(left, self.limits.extension_unit)}"
            )

    def check_extension_decision(self, actor: str) -> None:
        """Only a pending request can be decided."""
        if self.pending_extension is None:
            raise Refused("没有待审批的延期申请")
        self._need(actor, "审批人")

    def check_bounce(self, actor: str, reason: str, now: str) -> None:
        """退单 only before acceptance, within the window, and never after arbitration."""
        self._in((AWAITING_ACCEPT,), "退单（签收后不能退单）")
        self._need(actor, "操作人")
        self._need(reason, "退单理由")
        if self.arbitrated:
            raise Refused("本单由仲裁指定承办单位，不能再退单")
        if self.rung > 0:
            raise Refused("升级转办的工单不能退单")
        if self.transfers:
            raise Refused("督办改派的工单不能退单")
        until = self.clock.bounce_until if self.clock else ""
        if until and datetime.fromisoformat(now) > datetime.fromisoformat(until):
            raise Refused("已超过退单时限，请签收办理或申请延期")
