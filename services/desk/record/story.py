"""A case's record told in Chinese: one line per entry, in the order recorded. Pure.

The same lines make the case page's timeline, the printable record and its export, so
what people read in each is the same sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.request_types import label as type_label
from services.desk.labels import (
    ACTIONS,
    CHANNELS,
    CLOSE_REASONS,
    DEADLINES,
    DECISIONS,
    LIGHTS,
    NOTICE_CHANNELS,
    NOTICE_STATUS,
    TIERS,
    TIME_UNITS,
    person,
    unit_or_inbox,
)
from services.desk.record.entries import CLOSED_OUT, VERIFIED

# A reply by SMS names the gateway's message id (so a retry knows its own callback): a
# machine's id, not for people.
_GATEWAY_ID = re.compile(r"（上行编号 [^）]*）")
SIGNED = {VERIFIED: "核实人", CLOSED_OUT: "销号人"}
# SLA entries that only restate deadlines stay out of the story people read.
QUIET = {"deadlines_set", "part_deadlines_set"}


@dataclass(frozen=True)
class Line:
    """One line of the story: when, what, who (with their role in a sign-off), the note."""

    at: datetime
    what: str
    who: str
    note: str
    kind: str
    signed: str = ""


def _unit(names: Callable[[str], str], unit_id: str) -> str:
    return names(unit_id) if unit_id else ""


def _what(e: dict[str, Any], names: Callable[[str], str]) -> tuple[str, str]:
    kind, d = e["kind"], e["data"]
    if kind == "received":
        channel = CHANNELS.get(str(d.get("channel", "")), "其他渠道")
        urgent = "（紧急）" if d.get("urgent") else ""
        kind_of = (
            f"，{type_label(str(d.get('request_type') or ''))}" if d.get("request_type") else ""
        )
        return f"受理（{channel}{kind_of}）{urgent}", str(d.get("content") or "")
    if e["event_type"].endswith(".dispatched.v1"):
        where = _unit(names, e["unit_id"]) or str(d.get("unit_name") or "")
        tier = TIERS.get(str(d.get("tier", "")), "")
        head = f"{DECISIONS.get(kind, '派单')} → {where}" + (f"（{tier}）" if tier else "")
        reasons = d.get("reasons") or []
        return head, "；".join(str(r) for r in reasons) or _dispatch_note(e, where)
    if e["event_type"].endswith(".sla.v1"):
        deadline = DEADLINES.get(str(d.get("deadline", "")), "")
        if kind == "light_changed":
            return f"{deadline}时限亮{LIGHTS.get(str(d.get('light')), '灯')}", ""
        if kind == "breached":
            return f"{deadline}超时", ""
        if kind == "escalated":
            from_tier = TIERS.get(str(d.get("from_tier", "")), "")
            return (
                f"超时升级 → {_unit(names, e['unit_id'])}",
                f"{deadline}超时，由{from_tier}升级" if from_tier else "",
            )
        if kind == "supervised":
            return f"{deadline}超时，转督办", ""
        if kind.startswith("part_"):
            # 联动办: a co-unit's part; the unit named is the one holding the part.
            held = _unit(names, e["unit_id"])
            return (
                f"{ACTIONS.get(kind, '协办时限变更')}（{held}）",
                f"{deadline}时限" if deadline else "",
            )
        return ACTIONS.get(kind, "时限变更"), ""
    if kind == "closed":
        reason = CLOSE_REASONS.get(str(d.get("reason", "")), "销号")
        return f"销号（{reason}）", e["note"]
    if kind == "notified":
        channel = NOTICE_CHANNELS.get(str(d.get("channel", "")), str(d.get("channel", "")))
        status = NOTICE_STATUS.get(str(d.get("status", "")), str(d.get("status", "")))
        recipient = str(d.get("recipient") or "")
        return f"通知（{channel}，{status}）", f"接收方：{_recipient(names, recipient)}"
    if kind in ("linked", "repeat_called") and d.get("related_case_no"):
        return ACTIONS[kind], f"{e['note']}（{d['related_case_no']}）"
    if kind == "callback_recorded":
        verdict = _verdict(d, e["note"])
        note = _GATEWAY_ID.sub("", e["note"].removeprefix(verdict)).strip()
        return f"回访（{verdict}）", note
    if kind == "extension_requested":
        return ACTIONS[kind], _unit_named(e["note"])
    if kind == "attached":
        photo = str(d.get("content_type") or "").startswith("image/")
        return f"{ACTIONS[kind]}（{'照片' if photo else '文件'}）", e["note"]
    if kind == "takeover_decided":
        return f"上报（{'已接收' if d.get('accepted') else '不予接收'}）", e["note"]
    label = ACTIONS.get(kind, "办理")
    return label, e["note"]


def _dispatch_note(e: dict[str, Any], where: str) -> str:
    # sla's own "dispatched" line says 派至<unit>; the head already names the unit.
    note = str(e["note"] or "")
    return "" if note in (f"派至{where}", where) else note


def _unit_named(note: str) -> str:
    # Older requests named the policy's unit by its code: "申请延期 2（working_days）：…".
    for code, name in TIME_UNITS.items():
        note = note.replace(f"（{code}）", f" {name}")
    return note


def _recipient(names: Callable[[str], str], recipient: str) -> str:
    # SMS and e-mail recipients are kept masked; units and inboxes are named.
    if recipient[:1].isdigit() or "@" in recipient:
        return recipient
    return unit_or_inbox(names, recipient) or recipient


def _verdict(d: dict[str, Any], note: str) -> str:
    # Older events said the verdict only in the note's first word.
    reached, satisfied = d.get("reached"), d.get("satisfied")
    if reached is None:
        first = note.split(" ", 1)[0]
        return first if first in ("满意", "不满意", "未接通") else "已记录"
    if not reached:
        return "未接通"
    return "满意" if satisfied else "不满意"


def story(
    entries: Iterable[dict[str, Any]], names: Callable[[str], str], *, everything: bool = False
) -> list[Line]:
    """The lines of a case's record in time order; `everything` keeps deadline restatements.

    Entries are recorded in the order they arrive, which across topics may differ by a few
    milliseconds from the order things happened; people read them by time.
    """
    out = []
    for e in sorted(entries, key=lambda x: (x["at"], x["seq"])):
        if e["kind"] in QUIET and not everything:
            continue
        what, note = _what(e, names)
        who = e["actor_name"] or e["actor"]
        unit = _unit(names, e["actor_unit_id"])
        out.append(
            Line(
                at=e["at"],
                what=what,
                who=person(who, unit),
                note=note,
                kind=e["kind"],
                signed=SIGNED.get(e["signed_as"], ""),
            )
        )
    return out
