"""Who may see and do what in the queue UI. Pure rules over a user and a board row.

The case rules live in services.common.access.casework, shared with sla, which checks
every command again.
"""

from __future__ import annotations

from typing import Any

from services.common.access.casework import (
    DISPATCHER_ACTIONS,
    HANDLER_ACTIONS,
    SUPERVISOR_ACTIONS,
    Scope,
    action_refusal,
    allowed_actions,
    holds,
    place,
    refusal,
    scope_of,
)
from services.common.jurisdiction import Directory
from services.desk.ui.users import User

# The shared case rules, used from here by the pages.
__all__ = [
    "DISPATCHER_ACTIONS",
    "HANDLER_ACTIONS",
    "SUPERVISOR_ACTIONS",
    "Scope",
    "action_refusal",
    "allowed_actions",
    "holds",
    "place",
    "refusal",
    "scope_of",
]
PHONE_ROLES = ("dispatcher", "admin")


def masked(phone: str) -> str:
    """A number as 138****0000 (short ones wholly hidden); empty stays empty."""
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_phone(phone: str, user: User) -> str:
    """The caller's number in full only for roles that call back; otherwise masked."""
    return phone if user.role in PHONE_ROLES else masked(phone)


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
