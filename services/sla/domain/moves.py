"""Moving a case after acceptance: 改派 (transfer) and 上报/吹哨 (takeover). Pure.

A supervisor transfers a case to another unit with a reason; the unit handling a case asks
the next tier of its ladder to take it over, and that tier accepts (the case moves up) or
refuses (it stays, its clock unchanged). Which deadlines restart is policy
(services/sla/policy/moves.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import yaml

from services.sla.domain.casefile import (
    ACCEPTED,
    AWAITING_ACCEPT,
    IN_PROGRESS,
    REOPENED,
    STATE_LABELS,
    CaseFile,
    Clock,
    Refused,
    Rung,
    Takeover,
)

MOVES_POLICY_PATH = Path(__file__).resolve().parent.parent / "policy" / "moves.yaml"
Rule = Literal["restart", "keep"]
TRANSFER, TAKEOVER = "transfer", "takeover"
# A case may be moved while it is with a unit: waiting for 签收 or being worked on.
MOVABLE = (AWAITING_ACCEPT, ACCEPTED, IN_PROGRESS, REOPENED)
TAKEOVER_STATES = (ACCEPTED, IN_PROGRESS, REOPENED)


@dataclass(frozen=True)
class ClockRule:
    """Whether each deadline restarts at a move or is kept."""

    accept: Rule = "restart"
    resolve: Rule = "keep"


@dataclass(frozen=True)
class MovesPolicy:
    """The clock rules of 改派 and of an accepted 上报."""

    transfer: ClockRule = ClockRule("restart", "keep")
    takeover: ClockRule = ClockRule("restart", "restart")

    def rule(self, move: str) -> ClockRule:
        """The clock rule of `move` (transfer or takeover)."""
        return self.transfer if move == TRANSFER else self.takeover


def _rule(raw: object, where: str, default: ClockRule) -> ClockRule:
    if raw is None:
        return default
    if not isinstance(raw, dict) or not set(raw) <= {"accept", "resolve"}:
        raise ValueError(f"{where}: a mapping of accept and resolve to restart or keep")
    values = {k: raw.get(k, getattr(default, k)) for k in ("accept", "resolve")}
    for key, value in values.items():
        if value not in ("restart", "keep"):
            raise ValueError(f"{where}.{key}: restart or keep, got {value!r}")
    return ClockRule(values["accept"], values["resolve"])


def parse_moves_policy(data: object) -> MovesPolicy:
    """The policy from the YAML document's data; ValueError if it is not one."""
    if data is None:
        return MovesPolicy()
    if not isinstance(data, dict) or not set(data) <= {TRANSFER, TAKEOVER}:
        raise ValueError("moves policy: a mapping with transfer and takeover")
    base = MovesPolicy()
    return MovesPolicy(
        transfer=_rule(data.get(TRANSFER), TRANSFER, base.transfer),
        takeover=_rule(data.get(TAKEOVER), TAKEOVER, base.takeover),
    )


def load_moves_policy(path: Path = MOVES_POLICY_PATH) -> MovesPolicy:
    """The moves policy of services/sla/policy/moves.yaml (or `path`)."""
    return parse_moves_policy(yaml.safe_load(path.read_text(encoding="utf-8")))


def moved_clock(old: Clock, fresh: Clock, rule: ClockRule) -> Clock:
    """The deadlines after a move: `fresh` counts from the move, `old` is what ran before."""
    clock = replace(fresh)
    if rule.accept == "keep":
        clock = replace(clock, accept_due=old.accept_due, accept_yellow_at=old.accept_yellow_at)
    if rule.resolve == "keep":
        clock = replace(clock, resolve_due=old.resolve_due, resolve_yellow_at=old.resolve_yellow_at)
    # A move is no wrong assignment: the receiving unit cannot bounce it back (退单).
    return replace(clock, bounce_until="")


@dataclass
class TransferCommand:
    """改派: a supervisor moves the case to unit `to` (with `township` above it for a village
    unit; see transfer_ladder), with a reason."""

    actor: str
    reason: str
    to: Rung
    township: Rung | None = None


@dataclass
class TakeoverRequest:
    """上报/吹哨: the handling unit asks the tier above to take the case over."""

    actor: str
    reason: str


@dataclass
class TakeoverDecision:
    """The tier above accepts the 上报 (the case moves up) or refuses it, with a reason."""

    actor: str
    accept: bool
    note: str = ""


def live_takeover(f: CaseFile) -> Takeover | None:
    """The pending 上报 of the unit holding the case now (one left behind by an escalation
    or a transfer no longer counts)."""
    pending = f.pending_takeover
    return pending if pending is not None and pending.from_unit_id == f.unit.unit_id else None


def _need(value: str, what: str) -> None:
    if not value.strip():
        raise Refused(f"请填写{what}")


def _movable(f: CaseFile, doing: str, states: tuple[str, ...] = MOVABLE) -> None:
    if f.state not in states:
        raise Refused(f"当前状态为「{STATE_LABELS.get(f.state, f.state)}」，不能{doing}")


def check_transfer(f: CaseFile, cmd: TransferCommand) -> None:
    """改派 needs a case with a unit, a reason, and another unit to go to."""
    _movable(f, "改派")
    _need(cmd.actor, "操作人")
    _need(cmd.reason, "改派理由")
    if not cmd.to.unit_id:
        raise Refused("请选择改派的承办单位")
    if cmd.to.unit_id == f.unit.unit_id:
        raise Refused("工单已在该单位，请选择其他承办单位")


def check_takeover_request(f: CaseFile, req: TakeoverRequest) -> None:
    """上报 needs an accepted case, a reason, a tier above, and no request pending."""
    _movable(f, "上报（签收后才能上报）", TAKEOVER_STATES)
    _need(req.actor, "申请人")
    _need(req.reason, "上报理由")
    if live_takeover(f) is not None:
        raise Refused("已有上报申请待上级决定")
    if f.at_top or f.ladder[f.rung + 1].tier == "supervision":
        raise Refused("本单已在最高办理层级，不能再上报")


def check_takeover_decision(f: CaseFile, dec: TakeoverDecision) -> None:
    """Only a pending 上报 can be decided; a refusal needs its reason."""
    if live_takeover(f) is None:
        raise Refused("没有待决定的上报申请")
    _need(dec.actor, "决定人")
    if not dec.accept:
        _need(dec.note, "不予接收的理由")


def transfer_ladder(old: list[Rung], target: Rung, township: Rung | None) -> list[Rung]:
    """The ladder after 改派 to `target`: its own township (for a village unit), then the old
    ladder's district and 督办 rungs above the target's tier."""
    order = ("village", "township", "district", "supervision")
    ladder = [target]
    if township is not None and target.tier == "village":
        ladder.append(township)
    # Never the old township: a village unit elsewhere answers to its own (named above).
    top = max(order.index(ladder[-1].tier) if ladder[-1].tier in order else 0, 1)
    ladder += [r for r in old if r.tier in order and order.index(r.tier) > top]
    return ladder


def ruled_out(moves_in_force: bool) -> None:
    """Cases whose workflow began before moves existed keep their unit (see PATCH_CASE_MOVES)."""
    if not moves_in_force:
        raise Refused("本单开始办理时尚未启用改派和上报，不能改派或上报")
