"""What the desk's own people entries change on the board. Pure (see board/rules.py).

The desk records them itself (services/desk/people/record.py) with the event type PEOPLE;
`data` holds `kind` and the names, so a rebuild from the record folds them again alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.desk.people.rules import AWAITING, SUBMITTED

PEOPLE = "minhu.desk.people.v1"
# Kinds of entry: a handler named (指定承办人) or changed (改派), a backup standing in while
# the handler is away and the handler back, a leader named, a plan submitted.
ASSIGNED, COVERED, RETURNED = "assigned", "covered", "returned"
LEADER_NAMED, PLAN_SUBMITTED = "leader_named", "plan_submitted"
KINDS = (ASSIGNED, COVERED, RETURNED, LEADER_NAMED, PLAN_SUBMITTED)


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def people_values(f: dict[str, Any]) -> dict[str, Any]:
    """The board columns one people entry sets (none for a stand-in or a return)."""
    kind = f.get("kind")
    if kind == ASSIGNED:
        return {"assignee": str(f["assignee"]), "assignee_name": str(f["assignee_name"])}
    if kind == LEADER_NAMED:
        return {
            "leader": str(f["leader"]),
            "leader_name": str(f["leader_name"]),
            "plan_due": _when(f.get("plan_due")),
            "plan_state": AWAITING,
        }
    if kind == PLAN_SUBMITTED:
        return {"plan_state": SUBMITTED}
    if kind in (COVERED, RETURNED):
        return {}
    raise ValueError(f"unknown people entry kind {kind!r}")


def unit_moved(values: dict[str, Any], current_unit: str | None) -> dict[str, Any]:
    """A case that moves to another unit leaves its named handler behind: the new unit's
    head names one of their own."""
    unit = values.get("unit_id")
    if unit and current_unit and unit != current_unit:
        return {"assignee": "", "assignee_name": ""}
    return {}
