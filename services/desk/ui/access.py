"""Who may see and do what in the queue UI. Pure rules over a user and a board row."""

from __future__ import annotations

from typing import Any

from services.common.access import roles as common_roles
from services.common.jurisdiction import Directory
from services.desk.board.projector import place
from services.desk.board.queries import Scope
from services.desk.ui.users import User

# What a handler of the assigned unit may send to sla.
HANDLER_ACTIONS = ("accept", "progress", "extension", "bounce", "resolve")
# Supervisors decide extensions and may close a case (督办销号) within their jurisdiction.
SUPERVISOR_ACTIONS = ("extension/decision", "close")
# The 12345 centre makes the callback survey (回访), so its dispatchers need the number.
DISPATCHER_ACTIONS = ("callback",)
# Only these may read a caller in full, on asking, and each read is audited.
PHONE_ROLES = common_roles.PHONE_ROLES


def scope_of(user: User, directory: Directory) -> Scope:
    """The cases a user may see: own unit for handlers, the jurisdiction for supervisors."""
    if user.role == "admin":
        return Scope("all")
    if user.role == "auditor":
        return Scope("none")  # auditors read the access audit, not cases
    if user.role == "handler":
        return Scope("unit", user.unit_id)
    where = place(directory, user.unit_id)
    unit = directory.unit(user.unit_id)
    if user.role == "supervisor" and unit.tier.value == "township" and where["township_id"]:
        return Scope("township", where["township_id"])
    if where["district_id"]:
        return Scope("district", where["district_id"])
    return Scope("unit", user.unit_id)


def refusal(user: User, row: dict[str, Any], directory: Directory) -> str | None:
    """Why a user may not see a case (a Chinese sentence), or None if they may."""
    if scope_of(user, directory).admits(row):
        return None
    if user.role == "auditor":
        return "审计员只能查看访问审计，不能查看工单。"
    if user.role == "handler":
        return "无权查看该工单：它不属于本单位。办理人只能查看和办理本单位承办的工单。"
    return "无权查看该工单：它不在您的管辖范围内。"


def allowed_actions(user: User, row: dict[str, Any], directory: Directory) -> tuple[str, ...]:
    """The commands this user may send about this case."""
    if refusal(user, row, directory) is not None:
        return ()
    if user.role in ("operator", "auditor"):  # operators read cases; auditors read the audit
        return ()
    if user.role == "handler":
        return HANDLER_ACTIONS if row.get("unit_id") == user.unit_id else ()
    if user.role == "supervisor":
        return SUPERVISOR_ACTIONS
    if user.role == "dispatcher":
        return DISPATCHER_ACTIONS
    return HANDLER_ACTIONS + SUPERVISOR_ACTIONS + DISPATCHER_ACTIONS


def action_refusal(user: User, action: str, row: dict[str, Any], directory: Directory) -> str:
    """The Chinese reason an action is refused (call only when it is not allowed)."""
    seen = refusal(user, row, directory)
    if seen:
        return seen.replace("查看", "办理", 1)
    return "您的角色无权执行此操作。"


def may_reveal(user: User) -> bool:
    """Whether a user may ask for a caller's number in full (pages always show it masked)."""
    return user.role in PHONE_ROLES


def holds(scope: Scope, unit_id: str, directory: Directory) -> bool:
    """Whether a unit lies within a scope (its own id, township or district)."""
    return scope.admits({"unit_id": unit_id, **place(directory, unit_id)})


def may_arbitrate(scope: Scope, arbitration: dict[str, Any], directory: Directory) -> bool:
    """Only supervisors whose jurisdiction holds the arbitrating unit decide (one tier up)."""
    return holds(scope, arbitration["arbitrator_unit_id"], directory)


def sees_arbitration(scope: Scope, arbitration: dict[str, Any], directory: Directory) -> bool:
    """The arbitrating tier, and the area of the units that bounced (so they know who decides)."""
    return may_arbitrate(scope, arbitration, directory) or any(
        holds(scope, u, directory) for u in arbitration["bounced_units"]
    )


def arbitration_refusal(arbitration: dict[str, Any]) -> str:
    """Why a supervisor outside the arbitrating unit's jurisdiction may not decide."""
    return f"该退单由{arbitration['arbitrator_name']}所在辖区的督办人员仲裁，您无权仲裁。"
