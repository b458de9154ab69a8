"""A case's record told in Chinese: one line per entry, in the order recorded. Pure.

The same lines make the case page's timeline, the printable record and its export, so
what people read in each is the same sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.request_types import label as type_label
from services.desk.labels import CHANNELS, LIGHTS, TIERS
from services.desk.record.entries import CLOSED_OUT, VERIFIED

DEADLINES = {"accept": "签收", "resolve": "办结", "progress_report": "进展报告", "callback": "回访"}
CLOSE_REASONS = {
    "callback_satisfied": "回访满意",
    "supervisor": "督办销号",
    "merged": "合并办理",
    "rejected": "不予受理",
    "answered_directly": "直接答复，即时办结",
    "praise_forwarded": "表扬已转达，不计时限",
}
NOTICE_CHANNELS = {"sms": "短信", "email": "邮件", "webhook": "接口推送", "in_app": "站内消息"}
NOTICE_STATUS = {
    "sent": "已发送",
    "delivered": "已送达",
    "dead_letter": "发送失败",
    "failed": "发送失败",
    # The citizen's number had its hourly SMS already (notify's per-phone cap).
    "suppressed": "未发送：超出每个号码每小时短信上限",
}
DECISIONS = {
    "auto": "自动派单",
    "dispatched": "派单",
    "manual_queue": "转人工派单",
    "bounce_redispatch": "退单后重新派单",
    "arbitrated": "仲裁指定承办单位",
    "human_dispatch": "人工派单",
}
ACTIONS = {
    "accepted": "签收",
    "progressed": "反馈进展",
    "extension_requested": "申请延期",
    "extension_decided": "延期审批",
    "bounced": "退单",
    "resolved": "办结",
    "callback_recorded": "回访",
    "reopened": "重办",
    "arbitration_opened": "提请仲裁",
}
SIGNED = {VERIFIED: "核实人", CLOSED_OUT: "销号人"}
# SLA entries that only restate deadlines stay out of the story people read.
QUIET = {"deadlines_set"}


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
        return head, "；".join(str(r) for r in reasons) or e["note"]
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
                f"由{from_tier}升级" if from_tier else "",
            )
        if kind == "supervised":
            return "转督办", ""
        return "时限变更", ""
    if kind == "closed":
        reason = CLOSE_REASONS.get(str(d.get("reason", "")), "销号")
        return f"销号（{reason}）", e["note"]
    if kind == "notified":
        channel = NOTICE_CHANNELS.get(str(d.get("channel", "")), str(d.get("channel", "")))
        status = NOTICE_STATUS.get(str(d.get("status", "")), str(d.get("status", "")))
        recipient = str(d.get("recipient") or "")
        return f"通知（{channel}，{status}）", f"接收方：{names(recipient) or recipient}"
    if kind == "callback_recorded":
        verdict = _verdict(d, e["note"])
        note = e["note"].removeprefix(verdict).strip()
        return f"回访（{verdict}）", note
    label = ACTIONS.get(kind, "办理")
    return label, e["note"]


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
                who=f"{who}（{unit}）" if who and unit else who,
                note=note,
                kind=e["kind"],
                signed=SIGNED.get(e["signed_as"], ""),
            )
        )
    return out
