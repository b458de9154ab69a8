"""What Open311 shows of a case's progress, folded from the events other services publish.

Pure: each event becomes a Step (the columns it sets); the store keeps every group of
columns only from the newest event that set it, so events folded late undo nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

DISPATCHED = "minhu.case.dispatched.v1"
SLA = "minhu.case.sla.v1"
ACTION = "minhu.case.action.v1"
TYPES = (DISPATCHED, SLA, ACTION)
# The kinds of SLA event that move a case's public progress; the others leave it as it is.
SLA_KINDS = frozenset({"deadlines_set", "escalated", "supervised"})


@dataclass(frozen=True)
class Step:
    """Columns one event sets; None leaves a column as it was."""

    state: str | None = None
    unit_id: str | None = None
    unit_name: str | None = None
    topic: str | None = None
    expected_at: datetime | None = None
    # The unit's answer (办结 note) a citizen's look-up shows once resolved.
    answer: str | None = None

    @property
    def empty(self) -> bool:
        return self == Step()


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def step_of(event_type: str, f: dict[str, Any]) -> Step:
    """The step one event makes; `f` is the payload as a dict of proto field names."""
    if event_type == DISPATCHED:
        if f.get("manual"):
            return Step()  # waits in the human dispatch queue: no unit yet
        return Step(
            state="dispatched",
            unit_id=f.get("unit_id") or None,
            unit_name=f.get("unit_name") or None,
            topic=f.get("topic") or None,
        )
    if event_type == SLA:
        unit = f.get("unit_id") or None
        if f.get("kind") == "deadlines_set":
            return Step(
                state=f.get("state") or None, unit_id=unit, expected_at=_when(f.get("resolve_due"))
            )
        return Step(unit_id=unit) if f.get("kind") in SLA_KINDS else Step()
    if event_type == ACTION:
        if f.get("part_unit_id"):
            return Step()  # 联动办: a co-unit's part moves the case's progress no further
        note = f.get("note") or None if f.get("action") == "resolved" else None
        return Step(state=f.get("state") or None, answer=note)
    return Step()
