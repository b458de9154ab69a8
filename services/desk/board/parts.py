"""联动办 on the board: how one case event changes the rows of a joint case's parts.

Pure: no database. A co-unit's part is its own row, keyed by case and co-unit: dispatch's
event opens one per co-unit; sla's events of a part (they name it in `part_unit_id`) move
it; the lead's override (parts_overridden) waives those still open. Events of a part never
touch the lead's own row (rules.fold leaves them alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.desk.board.rules import ACTION, DISPATCHED, SLA

PART_OPEN = ("dispatched", "accepted", "in_progress")


@dataclass
class PartChange:
    """Values to set on one part's row (`part_id` None: on every open part of the case);
    `opens` when the event creates the row if it is missing."""

    part_id: str | None
    values: dict[str, Any] = field(default_factory=dict)
    opens: bool = False


def is_part_event(event_type: str, f: dict[str, Any]) -> bool:
    """Whether the event is of a co-unit's part (not of the lead's case)."""
    return event_type in (SLA, ACTION) and bool(f.get("part_unit_id"))


def _when(value: str) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def fold_parts(event_type: str, f: dict[str, Any]) -> list[PartChange]:
    """The changes one event makes to the case's parts (none for most events)."""
    if event_type == DISPATCHED:
        if f.get("manual") or f.get("request_type") == "praise":
            return []
        lead = f["unit_id"]
        co = [u for u in dict.fromkeys(f.get("co_unit_ids") or ()) if u and u != lead]
        return [PartChange(u, {"unit_id": u}, opens=True) for u in co]
    if event_type == ACTION and f.get("action") == "parts_overridden":
        return [PartChange(None, {"state": "waived"})]
    if not is_part_event(event_type, f):
        return []
    part = str(f["part_unit_id"])
    if event_type == ACTION:
        values: dict[str, Any] = {"state": f["state"]} if f.get("state") else {}
        if f["action"] == "part_accepted":
            values["light"] = "green"
        if f["action"] == "part_reported":
            values["report"] = f.get("note") or ""
        return [PartChange(part, values)]
    kind = f["kind"]
    values = {"light": f.get("light") or "green"}
    if kind == "part_breached":
        values["light"] = "red"
    elif kind in ("part_deadlines_set", "part_escalated"):
        values.update(
            unit_id=f["unit_id"],
            tier=f["tier"],
            escalation_level=int(f.get("escalation_level") or 0),
        )
        if f.get("state"):
            values["state"] = f["state"]
        if kind == "part_deadlines_set":
            values.update(
                accept_due=_when(f.get("accept_due", "")),
                resolve_due=_when(f.get("resolve_due", "")),
            )
    return [PartChange(part, values, opens=True)]
