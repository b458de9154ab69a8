"""Who may see and do what in the queue UI. Pure rules over a user and a board row.

The case rules live in services.common.access.casework, shared with sla, which checks
every command again.
"""

from __future__ import annotations

from typing import Any

from services.common.access import roles as common_roles
from services.common.access.casework import (
    DISPATCHER_ACTIONS,
    HANDLER_ACTIONS,
    SUPERVISOR_ACTIONS,
    Scope,
    action_refusal,
    awaited,
    holds,
    next_actions,
    place,
    refusal,
    role_actions,
    scope_of,
    transfer_refusal,
)
from services.common.jurisdiction import Directory
from services.desk.ui.users import User

# The shared case rules, used from here by the pages.
__all__ = [
    "DISPATCHER_ACTIONS",
    "HANDLER_ACTIONS",
    "PHONE_ROLES",
    "SUPERVISOR_ACTIONS",
    "Scope",
    "action_refusal",
    "awaited",
    "holds",
    "may_reveal",
    "next_actions",
    "place",
    "refusal",
    "role_actions",
    "scope_of",
    "transfer_refusal",
]
# Only these may read a caller in full, on asking, and each read is audited.
PHONE_ROLES = common_roles.PHONE_ROLES


def may_reveal(user: User) -> bool:
    """Whether a user may ask for a caller's number in full (pages always show it masked)."""
    return user.role in PHONE_ROLES


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
