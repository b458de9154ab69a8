"""How one case event changes the board's row of a case, and which marks a unit earns.

Pure: no database, no framework. The projector applies what these rules decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.desk.people.fold import PEOPLE, people_values, unit_moved
from services.desk.search.words import search_words

RECEIVED = "minhu.case.received.v1"
DISPATCHED = "minhu.case.dispatched.v1"
SLA = "minhu.case.sla.v1"
ACTION = "minhu.case.action.v1"
CLOSED = "minhu.case.closed.v1"
NOTIFIED = "minhu.notify.sent.v1"
# Events only the record keeps: they fold into nothing on the board, whatever its row says.
RECORD_ONLY = frozenset({NOTIFIED})
OPEN_STATES = ("dispatched", "accepted", "in_progress", "resolved", "reopened", "bounced")
# Marks counted by the three rates (see rates.py).
ASSIGNED, ACCEPTED, ACCEPT_LATE, RESOLVED, RESOLVE_LATE = (
    "assigned",
    "accepted",
    "accept_late",
    "resolved",
    "resolve_late",
)
SATISFIED, UNSATISFIED, BOUNCED = "satisfied", "unsatisfied", "bounced"
# A consultation answered on the call (直接答复) by the 12345 centre; see rates.py for how
# it counts.
ANSWERED_DIRECTLY = "answered_directly"
DIRECT_MARKS = (ASSIGNED, ACCEPTED, RESOLVED, ANSWERED_DIRECTLY)
# A patrol report its grid worker closed on the spot (就地办结): counted for the grid as a
# case accepted and resolved on time (services/desk/policy/rates.yaml).
CLOSED_ON_SPOT = "closed_on_spot"
ON_SPOT_MARKS = (ASSIGNED, ACCEPTED, RESOLVED, CLOSED_ON_SPOT)
# The unit a case was escalated away from (it missed a deadline and the tier above took over).
ESCALATED = "escalated"


@dataclass
class Change:
    """Column values to set on the case's row, marks to add, and whether sla must be asked."""

    values: dict[str, Any] = field(default_factory=dict)
    marks: list[tuple[str, str]] = field(default_factory=list)
    ask_sla: bool = False
    # Space-separated words of title and content for the search index, when they change.
    words: str | None = None
    # State of a row this change creates (events of a case may arrive in any topic order).
    initial_state: str = "dispatched"
    # Another unit whose area must hear of the change (the arbitrating unit).
    also_tell: str = ""


def _when(value: str) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def fold(event_type: str, f: dict[str, Any], current_unit: str | None) -> Change:
    """The change one event makes; `f` is the payload as a dict of proto field names."""
    if event_type == RECEIVED:
        return _received(f)
    if event_type == DISPATCHED:
        change = _dispatched(f)
        change.values.update(unit_moved(change.values, current_unit))
        return change
    if event_type in (SLA, ACTION) and f.get("part_unit_id"):
        return Change()  # a co-unit's part of a joint case: its own row (board/parts.py)
    if event_type == SLA:
        change = _sla(f, current_unit)
        change.values.update(unit_moved(change.values, current_unit))
        return change
    if event_type == PEOPLE:
        return Change(people_values(f))
    if event_type == ACTION:
        return _action(f, current_unit)
    if event_type == CLOSED:
        change = Change({"state": "closed", "closed_at": _when(f["closed_at"])})
        change.values["close_reason"] = f["reason"]
        if f["reason"] in (ANSWERED_DIRECTLY, CLOSED_ON_SPOT):
            # Answered on the call, or closed on the spot: resolved then and there.
            change.values["resolved_at"] = change.values["closed_at"]
        if f["reason"] == "callback_satisfied" and current_unit:
            change.marks.append((current_unit, SATISFIED))
        return change
    return Change()


def _received(f: dict[str, Any]) -> Change:
    # Never the state of a row that exists: dispatch's event may have come first.
    title, content = str(f.get("title") or ""), str(f.get("content") or "")
    change = Change(
        {
            "title": title,
            "content": content,
            "address": str(f.get("address") or ""),
            "channel": str(f.get("channel") or ""),
            "received_at": _when(str(f.get("received_at") or "")),
            "request_type": str(f.get("request_type") or ""),
        },
        words=search_words(f"{title} {content}"),
        initial_state="received",
    )
    unit = str(f.get("answer_unit_id") or "")
    if f.get("answer") and unit:
        # 直接答复: the centre took and answered it; no unit's queue ever holds it.
        change.values["unit_id"] = unit
        change.marks += [(unit, mark) for mark in DIRECT_MARKS]
    grid = str(f.get("grid_code") or "")
    if f.get("on_spot_note") and grid:
        # 就地办结: the grid worker found it and dealt with it; no queue ever holds it.
        change.values.update(unit_id=grid, tier="grid")
        change.marks += [(grid, mark) for mark in ON_SPOT_MARKS]
    return change


def _dispatched(f: dict[str, Any]) -> Change:
    manual = bool(f["manual"])
    change = Change(
        {
            "unit_id": f["unit_id"],
            "unit_name": f["unit_name"],
            "tier": f["tier"],
            "topic": f["topic"],
            "difficulty": f["difficulty"],
            "urgent": bool(f["urgent"]),
            "major": bool(f.get("major")),
            "state": "manual" if manual else "dispatched",
            "light": "green",
            "accept_due": None,
            "resolve_due": None,
            "extension_pending": False,
            "dispatched_at": _when(f["dispatched_at"]),
        },
        ask_sla=not manual and f.get("request_type") != "praise",
    )
    if f.get("request_type"):
        change.values["request_type"] = f["request_type"]
    if not manual and f.get("request_type") != "praise":
        # A praise is told to the unit and closed: nothing for the unit's rates.
        change.marks.append((f["unit_id"], ASSIGNED))
    return change


def _sla(f: dict[str, Any], current_unit: str | None) -> Change:
    # Timestamps are message fields: absent from the event's dict when unset.
    kind, deadline, due = f["kind"], f["deadline"], _when(f.get("due", ""))
    due_col = {"accept": "accept_due", "resolve": "resolve_due"}.get(deadline)
    change = Change({"light": f["light"] or "green"})
    if kind == "light_changed" and due_col and due:
        change.values[due_col] = due
    elif kind == "breached":
        change.values["light"] = "red"
        late = {"accept": ACCEPT_LATE, "resolve": RESOLVE_LATE}.get(deadline)
        if late and current_unit:
            change.marks.append((current_unit, late))
    elif kind == "escalated":
        # Same case, one rung up: a new unit with a fresh accept deadline.
        change.values.update(
            unit_id=f["unit_id"],
            tier=f["tier"],
            state="dispatched",
            light="green",
            accept_due=due,
            resolve_due=None,
            escalation_level=int(f["escalation_level"]),
        )
        change.marks.append((f["unit_id"], ASSIGNED))
        if current_unit:
            change.marks.append((current_unit, ESCALATED))
        change.ask_sla = True
    elif kind == "supervised":
        change.values["supervised"] = True
    elif kind == "deadlines_set":
        # sla announces every new set of deadlines: nothing left to ask it for.
        change.values.update(
            accept_due=_when(f.get("accept_due", "")),
            resolve_due=_when(f.get("resolve_due", "")),
            unit_id=f["unit_id"],
            tier=f["tier"],
            sla_stale=False,
        )
        if f["state"]:
            change.values["state"] = f["state"]
    return change


def _action(f: dict[str, Any], current_unit: str | None) -> Change:
    action, unit = f["action"], f["unit_id"] or current_unit or ""
    change = Change()
    if f["state"]:
        change.values["state"] = f["state"]
    if action == "accepted":
        change.marks.append((unit, ACCEPTED))
        change.values["light"] = "green"
        change.ask_sla = True  # the resolve deadline starts now
    elif action == "extension_requested":
        change.values.update(extension_pending=True, extension_note=f["note"])
    elif action == "extension_decided":
        change.values.update(extension_pending=False, extension_note="")
        change.ask_sla = True
    elif action == "bounced":
        change.marks.append((unit, BOUNCED))
    elif action == "resolved":
        change.marks.append((unit, RESOLVED))
        change.values["resolved_at"] = _when(str(f.get("at") or ""))
    elif action == "arbitration_opened":
        change.also_tell = str(f.get("unit_id") or "")
    elif action == "reopened":
        change.marks.append((unit, UNSATISFIED))
        change.ask_sla = True
    elif action in MOVES:
        _moved(action, f, change)
    return change


# -- moves after acceptance: 改派 and 上报 (see services/desk/policy/rates.yaml) ----------
# The unit a case was transferred away from (改派), and the unit that handed it up (上报
# accepted): neither counts as late for the deadlines it no longer holds.
TRANSFERRED_AWAY, HANDED_UP = "transferred_away", "handed_up"
MOVES = ("transferred", "takeover_requested", "takeover_decided")


def _moved(action: str, f: dict[str, Any], change: Change) -> None:
    to, away = str(f.get("to_unit_id") or ""), str(f.get("from_unit_id") or "")
    if action == "takeover_requested":
        # The unit asked sees the case in its queue while the request waits.
        change.values.update(takeover_unit_id=to, takeover_note=str(f.get("note") or ""))
        change.also_tell = to
        return
    change.values.update(takeover_unit_id="", takeover_note="")
    if action == "transferred":
        change.values.update(unit_id=to or f["unit_id"], light="green")
        change.marks += [(to, ASSIGNED), (away, TRANSFERRED_AWAY)]
        change.ask_sla = True
    elif f.get("accepted"):
        # Taken over: the tier above holds it, accepted by that decision.
        change.values.update(unit_id=to, light="green")
        change.marks += [(to, ASSIGNED), (to, ACCEPTED), (away, HANDED_UP)]
        change.ask_sla = True
    else:
        change.also_tell = to
