"""Who may see a case and what they may do about it: pure rules over a person and a case.

The desk applies them to show and send actions; sla applies the same rules again to every
command a person sends through the desk, so neither relies on the other alone. A case is
given as a mapping with its `unit_id` and, where known, `township_id` and `district_id`
(see `place`), its `state` and whether an extension request waits (`extension_pending`).
`next_actions` is what a person may do now: their role's actions as far as the state admits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from services.common.access.roles import (
    ADMIN,
    AUDITOR,
    DISPATCHER,
    GRID_WORKER,
    HANDLER,
    OPERATOR,
    SUPERVISOR,
)
from services.common.jurisdiction import Directory

# What a handler of the assigned unit may send to sla.
HANDLER_ACTIONS = ("accept", "progress", "extension", "bounce", "resolve")
# Supervisors decide extensions and may close a case (督办销号) within their jurisdiction.
SUPERVISOR_ACTIONS = ("extension/decision", "close")
# The 12345 centre makes the callback survey (回访), so its dispatchers need the number.
DISPATCHER_ACTIONS = ("callback",)
# 不予受理 and 合并: the 12345 centre's dispatchers and supervisors, on a case still open.
MERGE_REJECT_ACTIONS = ("reject", "merge")
# 联动办 (a joint case's parts): see the block at the end of this module.
PART_ACTIONS = ("part/accept", "part/progress", "part/report")
LEAD_PART_ACTIONS = ("parts/override",)
ALL_ACTIONS = (
    HANDLER_ACTIONS
    + SUPERVISOR_ACTIONS
    + DISPATCHER_ACTIONS
    + MERGE_REJECT_ACTIONS
    + LEAD_PART_ACTIONS
)
ACTION_NAMES = {
    "accept": "签收",
    "progress": "反馈进展",
    "extension": "申请延期",
    "bounce": "退单",
    "resolve": "办结",
    "extension/decision": "审批延期",
    "close": "督办销号",
    "callback": "记录回访",
    "reject": "不予受理",
    "merge": "合并",
    "part/accept": "签收协办任务",
    "part/progress": "反馈协办进展",
    "part/report": "反馈协办结果",
    "parts/override": "强制办结",
}
# A case's states, as sla keeps them and the desk's board mirrors them ("received" and
# "manual" come before sla holds the case: dispatch has not yet sent it to a unit).
AWAITING_ACCEPT, RESOLVED, CLOSED = "dispatched", "resolved", "closed"
WORKING_STATES = ("accepted", "in_progress", "reopened")
OPEN_STATES = (AWAITING_ACCEPT, *WORKING_STATES, RESOLVED, "bounced")
AWAITED = {
    "received": "等待派单",
    "manual": "等待人工派单",
    AWAITING_ACCEPT: "等待承办单位签收",
    "accepted": "承办单位办理中",
    "in_progress": "承办单位办理中",
    "reopened": "回访不满意，承办单位重办中",
    RESOLVED: "已办结，等待回访",
    "bounced": "已退单，等待重新派单",
    CLOSED: "已办结归档",
    "merged": "已并入主办工单，随主办工单办结",
}


class Person(Protocol):
    """Whoever acts: a desk account, or a user as the desk describes one to sla."""

    @property
    def role(self) -> str: ...

    @property
    def unit_id(self) -> str: ...


@dataclass(frozen=True)
class Scope:
    """Which cases a person may see: one unit's, a township's, a district's, or all."""

    kind: str  # unit | township | district | all | none
    id: str = ""

    def admits(self, row: Mapping[str, Any]) -> bool:
        """Whether a case (a board row, a live change) lies within the scope."""
        if self.kind == "none":
            return False
        if self.kind == "unit":
            # 联动办: a co-unit holding a part of the case sees it too.
            return bool(row.get("unit_id") == self.id or self.id in row.get("part_unit_ids", ()))
        if self.kind == "township":
            return bool(row.get("township_id") == self.id)
        if self.kind == "district":
            return bool(row.get("district_id") == self.id)
        return True


def place(directory: Directory, unit_id: str) -> dict[str, str]:
    """The district and township a unit belongs to (empty where it has none)."""
    try:
        unit = directory.unit(unit_id)
    except KeyError:
        return {"district_id": "", "township_id": ""}
    chain: dict[str, str] = {}
    area_id: str | None = unit.area_id
    while area_id:
        area = directory.area(area_id)
        chain[area.tier.value] = area.id
        area_id = area.parent_id
    return {"district_id": chain.get("district", ""), "township_id": chain.get("township", "")}


def case_at(directory: Directory, unit_id: str) -> dict[str, str]:
    """A case as these rules see it, from the unit it is with."""
    return {"unit_id": unit_id, **place(directory, unit_id)}


def scope_of(user: Person, directory: Directory) -> Scope:
    """The cases a person may see: own unit for handlers, the jurisdiction for supervisors."""
    if user.role == ADMIN:
        return Scope("all")
    if user.role == AUDITOR:
        return Scope("none")  # auditors read the access audit, not cases
    if user.role in (HANDLER, GRID_WORKER):
        return Scope("unit", user.unit_id)
    where = place(directory, user.unit_id)
    try:
        unit = directory.unit(user.unit_id)
    except KeyError:
        return Scope("unit", user.unit_id)
    if user.role == SUPERVISOR and unit.tier.value == "township" and where["township_id"]:
        return Scope("township", where["township_id"])
    if where["district_id"]:
        return Scope("district", where["district_id"])
    return Scope("unit", user.unit_id)


def refusal(user: Person, row: Mapping[str, Any], directory: Directory) -> str | None:
    """Why a person may not see a case (a Chinese sentence), or None if they may."""
    if scope_of(user, directory).admits(row) or asked_of(user, row, directory):
        return None
    if user.role == AUDITOR:
        return "审计员只能查看访问审计，不能查看工单。"
    if user.role == HANDLER:
        return "无权查看该工单：它不属于本单位。办理人只能查看和办理本单位承办的工单。"
    if user.role == GRID_WORKER:
        return "无权查看该工单：它不属于本网格。网格员只能查看和办理本网格承办的工单。"
    return "无权查看该工单：它不在您的管辖范围内。"


def role_actions(user: Person, row: Mapping[str, Any], directory: Directory) -> tuple[str, ...]:
    """What this person's role may ever do about this case, whatever its state (none for
    cases they may not see, and for operators and auditors)."""
    if refusal(user, row, directory) is not None:
        return ()
    if row.get("part_id"):
        return part_role_actions(user, row)
    moves = move_actions(user, row, directory)
    if user.role in (HANDLER, GRID_WORKER):
        own = HANDLER_ACTIONS + LEAD_PART_ACTIONS if row.get("unit_id") == user.unit_id else ()
        return own + moves
    if user.role == SUPERVISOR:
        return SUPERVISOR_ACTIONS + MERGE_REJECT_ACTIONS + moves
    if user.role == DISPATCHER:
        return DISPATCHER_ACTIONS + MERGE_REJECT_ACTIONS
    if user.role == ADMIN:
        return ALL_ACTIONS + MOVE_ACTIONS
    # Operators file cases, auditors read the access audit: neither works a case.
    return ()


def state_actions(row: Mapping[str, Any]) -> tuple[str, ...]:
    """What the case's state admits from anyone: its `state` (the board's and sla's names)
    and whether an extension request waits (`extension_pending`)."""
    if row.get("part_id"):
        return part_state_actions(row)
    state = str(row.get("state") or "")
    pending = bool(row.get("extension_pending"))
    if state not in OPEN_STATES:
        return ()  # not yet with a unit (received, manual) or closed
    allowed: list[str] = []
    if state == AWAITING_ACCEPT:
        allowed += ["accept", "bounce"]
    if state in WORKING_STATES:
        allowed += ["progress", "resolve"] + ([] if pending else ["extension"])
        if row.get("parts_open"):
            # 联动办: no 办结 while a co-unit's part is open, unless the lead overrides.
            allowed = [a for a in allowed if a != "resolve"] + list(LEAD_PART_ACTIONS)
    if state == RESOLVED:
        allowed.append("callback")
    if pending:
        allowed.append("extension/decision")
    allowed.append("close")  # 督办销号 while the case is open
    allowed += MERGE_REJECT_ACTIONS
    return tuple(allowed) + move_states(row)


def next_actions(user: Person, row: Mapping[str, Any], directory: Directory) -> tuple[str, ...]:
    """The commands this person may send about this case now: their role's, as far as the
    case's state admits them. The desk offers exactly these; sla admits only these."""
    now = state_actions(row)
    return tuple(a for a in role_actions(user, row, directory) if a in now)


def awaited(row: Mapping[str, Any]) -> str:
    """What the case waits for, in Chinese (shown where the viewer has nothing to do)."""
    state = str(row.get("state") or "")
    if row.get("part_id"):
        return PART_AWAITED.get(state, "暂无可执行的操作")
    if state in WORKING_STATES and row.get("parts_open"):
        return "牵头单位办理中，等待协办单位反馈办理结果"
    if state in WORKING_STATES and row.get("takeover_unit_id"):
        return "承办单位已申请上报，等待上级决定"
    if state in WORKING_STATES and row.get("extension_pending"):
        return "承办单位办理中，延期申请等待审批"
    return AWAITED.get(state, "暂无可执行的操作")


def action_refusal(user: Person, action: str, row: Mapping[str, Any], directory: Directory) -> str:
    """The Chinese reason an action is refused (call only when it is not allowed)."""
    seen = refusal(user, row, directory)
    if seen:
        return seen.replace("查看", "办理", 1)
    if action in role_actions(user, row, directory):
        return state_refusal(action, row)
    return "您的角色无权执行此操作。"


def state_refusal(action: str, row: Mapping[str, Any]) -> str:
    """Why the case's state does not admit an action the person's role may take."""
    name = ACTION_NAMES.get(action, action)
    if action == "extension" and row.get("extension_pending"):
        return "已有延期申请待审批，不能再次申请延期。"
    if action == "extension/decision":
        return "没有待审批的延期申请。"
    if action == "resolve" and row.get("parts_open"):
        return "协办单位尚未全部反馈办理结果，不能办结；可填写理由强制办结。"
    if action == "takeover/decision":
        return "没有待决定的上报申请。"
    if action == "takeover" and row.get("takeover_unit_id"):
        return "已有上报申请待上级决定，不能再次上报。"
    return f"当前不能{name}：{awaited(row)}。"


def holds(scope: Scope, unit_id: str, directory: Directory) -> bool:
    """Whether a unit lies within a scope (its own id, township or district)."""
    return scope.admits(case_at(directory, unit_id))


# Files and photos: whoever may see an open case may add to it (the operator who took the
# call, the handler or grid worker on site, a supervisor); a closed (销号) case's record is
# final.
ATTACHERS = (OPERATOR, DISPATCHER, HANDLER, GRID_WORKER, SUPERVISOR, ADMIN)


def attach_refusal(user: Person, row: Mapping[str, Any], directory: Directory) -> str | None:
    """Why a person may not add a file or photo to a case (in Chinese), or None."""
    seen = refusal(user, row, directory)
    if seen is not None:
        return seen
    if user.role not in ATTACHERS:
        return "您的角色不能上传附件。"
    if row.get("state") == CLOSED:
        return "工单已销号，不能再上传附件。"
    return None


# -- 联动办: the parts of a joint case ---------------------------------------------------
# A co-unit's part of a joint case is judged as a row of its own: `part_id` (the co-unit
# dispatch named), `unit_id` (who holds the part now: the co-unit, or the rung its overdue
# part climbed to) with its place, and `state` (the part's: dispatched, accepted,
# in_progress, reported, waived). The lead's own row carries `parts_open`, how many parts
# are neither reported nor waived: the lead resolves only at none, or overrides (强制办结).
PART_OPEN_STATES = ("dispatched", "accepted", "in_progress")
PART_AWAITED = {
    "dispatched": "等待协办单位签收协办任务",
    "accepted": "协办单位办理中",
    "in_progress": "协办单位办理中",
    "reported": "协办单位已反馈办理结果",
    "waived": "牵头单位已强制办结",
}


def part_case(directory: Directory, part_id: str, unit_id: str, state: str) -> dict[str, str]:
    """A part as these rules see it: the unit holding it, where that unit is, its state."""
    return {"part_id": part_id, "state": state, **case_at(directory, unit_id)}


def part_role_actions(user: Person, row: Mapping[str, Any]) -> tuple[str, ...]:
    """Who works a part: the people of the unit holding it (handlers, or 督办 staff once an
    overdue part reached them), and admins."""
    if user.role == ADMIN:
        return PART_ACTIONS
    if user.role in (HANDLER, SUPERVISOR, DISPATCHER) and row.get("unit_id") == user.unit_id:
        return PART_ACTIONS
    return ()


def part_state_actions(row: Mapping[str, Any]) -> tuple[str, ...]:
    """What a part's state admits: 签收 first, then progress notes and the one report."""
    state = str(row.get("state") or "")
    if state == "dispatched":
        return ("part/accept",)
    if state in ("accepted", "in_progress"):
        return ("part/progress", "part/report")
    return ()


# -- moving a case after acceptance: 改派 (transfer) and 上报/吹哨 (takeover) --------------
# A supervisor transfers a case within their jurisdiction; the handling unit asks the next
# tier of its ladder to take it over (上报), and that unit's handlers, or a supervisor whose
# jurisdiction holds it, decide. The case row names the unit asked (`takeover_unit_id`)
# while the request waits: it sees the case, and decides.
MOVE_ACTIONS = ("transfer", "takeover", "takeover/decision")
ACTION_NAMES.update({"transfer": "改派", "takeover": "上报", "takeover/decision": "决定上报"})
MOVABLE_STATES = (AWAITING_ACCEPT, *WORKING_STATES)


def asked_of(user: Person, row: Mapping[str, Any], directory: Directory) -> bool:
    """Whether a pending 上报 asks this person's unit (or a unit of their jurisdiction)."""
    asked = str(row.get("takeover_unit_id") or "")
    if not asked or user.role not in (HANDLER, SUPERVISOR):
        return False
    return holds(scope_of(user, directory), asked, directory)


def move_actions(user: Person, row: Mapping[str, Any], directory: Directory) -> tuple[str, ...]:
    """The moves a handler or supervisor may ever make on a case they may see."""
    out: list[str] = []
    if user.role == HANDLER and row.get("unit_id") == user.unit_id:
        out.append("takeover")
    if user.role == SUPERVISOR and scope_of(user, directory).admits(row):
        out.append("transfer")
    if asked_of(user, row, directory):
        out.append("takeover/decision")
    return tuple(out)


def move_states(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The moves the case's state admits (see state_actions)."""
    state = str(row.get("state") or "")
    pending = bool(row.get("takeover_unit_id"))
    allowed: list[str] = []
    if state in MOVABLE_STATES:
        allowed.append("transfer")
    if state in WORKING_STATES and not pending:
        allowed.append("takeover")
    if pending and state in WORKING_STATES:
        allowed.append("takeover/decision")
    return tuple(allowed)


def transfer_refusal(user: Person, unit_id: str, directory: Directory) -> str | None:
    """Why this person may not transfer a case to the unit (a Chinese sentence), or None."""
    try:
        unit = directory.unit(unit_id)
    except KeyError:
        return "目录中没有该承办单位。"
    if unit.role != "handling":
        return "只能改派给承办单位。"
    if not holds(scope_of(user, directory), unit_id, directory):
        return "只能改派给您管辖范围内的单位。"
    return None
