"""联动办 on the desk's pages: a joint case's parts on its page (the lead and everyone who
sees the case read every part), each co-unit's own forms, and the 协办任务 of a queue."""

from __future__ import annotations

from typing import Any

from services.common.access.casework import PART_AWAITED, next_actions, part_case
from services.common.jurisdiction import Directory
from services.desk.labels import TIERS
from services.desk.ui.html import case_link, cells, e, light, short, table, when
from services.desk.ui.users import User

PART_STATES = {
    "dispatched": "待签收",
    "accepted": "已签收",
    "in_progress": "办理中",
    "reported": "已反馈",
    "waived": "牵头单位已强制办结",
}
PART_FORMS = {
    "part/accept": (
        "签收协办任务",
        '<input name="note" placeholder="备注（可选）" maxlength="500">',
    ),
    "part/progress": (
        "反馈协办进展",
        '<textarea name="note" required placeholder="协办进展"></textarea>',
    ),
    "part/report": (
        "反馈协办结果",
        '<textarea name="note" required placeholder="本单位协办办理结果"></textarea>',
    ),
}
OVERRIDE_FORM = (
    "强制办结",
    '<p class="hint">仍有协办单位未反馈办理结果。如确需不再等待，请说明理由（记入台账），'
    "再办结。</p>"
    '<textarea name="note" required placeholder="强制办结理由"></textarea>',
)


def part_row(directory: Directory, part: dict[str, Any]) -> dict[str, str]:
    """A part as the shared case rule reads it."""
    return part_case(directory, part["part_id"], part["unit_id"], part["state"])


def part_forms(case_no: str, user: User, row: dict[str, Any], directory: Directory) -> str:
    """The viewer's forms on the parts they hold, then the lead's override if it applies."""
    out = []
    for part in row.get("parts") or ():
        for action in next_actions(user, part_row(directory, part), directory):
            label, fields = PART_FORMS[action]
            slug = f"{action.replace('/', '-')}-{part['part_id']}"
            out.append(
                f'<form class="act part" data-case="{e(case_no)}" data-action="{e(action)}"'
                f' id="act-{e(slug)}"><fieldset><legend>{label}（{e(part["unit_name"])}）</legend>'
                f'<input type="hidden" name="part_id" value="{e(part["part_id"])}">{fields}'
                f'<button class="primary">{label}</button></fieldset></form>'
            )
    if "parts/override" in next_actions(user, row, directory):
        label, fields = OVERRIDE_FORM
        out.append(
            f'<form class="act" data-case="{e(case_no)}" data-action="parts/override"'
            f' id="act-parts-override"><fieldset><legend>{label}</legend>{fields}'
            f'<button class="primary">{label}</button></fieldset></form>'
        )
    return "".join(out)


def parts_card(row: dict[str, Any]) -> str:
    """Every part of a joint case: who holds it, its state, light, deadlines and report."""
    found = row.get("parts") or []
    if not found:
        return ""
    lines = [
        cells(
            [
                ("协办单位", e(p["unit_name"]) + _tier(p)),
                ("状态", f'<span class="part-state">{_state(p)}</span>'),
                ("灯色", light(p["light"])),
                ("签收时限", when(p["accept_due"])),
                ("办结时限", when(p["resolve_due"])),
                ("办理结果", e(p["report"]) or "—"),
            ],
            f'data-part="{e(p["part_id"])}"',
        )
        for p in found
    ]
    waiting = sum(p["state"] in ("dispatched", "accepted", "in_progress") for p in found)
    summary = (
        f"尚有 {waiting} 家协办单位未反馈办理结果" if waiting else "各协办单位均已反馈或已强制办结"
    )
    return (
        '<section class="card" id="parts"><h2>联动办 · 协办单位</h2>'
        f'<p id="parts-summary">{summary}</p>'
        + table(["协办单位", "状态", "灯色", "签收时限", "办结时限", "办理结果"], lines, empty="")
        + "</section>"
    )


def _state(p: dict[str, Any]) -> str:
    return PART_STATES.get(p["state"], e(p["state"]))


def _tier(p: dict[str, Any]) -> str:
    if not p.get("escalation_level"):
        return ""
    return f"（超时升级至{TIERS.get(p['tier'], e(p['tier']))}）"


def held_card(held: list[dict[str, Any]]) -> str:
    """A co-unit's open parts of joint cases (协办任务), shown above its work lists."""
    if not held:
        return ""
    lines = [
        cells(
            [
                ("工单", case_link(p["case_no"])),
                ("标题", e(short(p["title"]))),
                ("牵头单位", e(p["lead_unit_name"])),
                ("协办状态", PART_STATES.get(p["state"], e(p["state"]))),
                ("灯色", light(p["light"])),
                ("时限", when(p["due"])),
                ("待办", e(PART_AWAITED.get(p["state"], ""))),
            ],
            f'data-case="{e(p["case_no"])}" data-part="{e(p["part_id"])}"',
        )
        for p in held
    ]
    return (
        '<section class="parts-held" id="parts-held">'
        f'<h2>协办任务 <b class="n">{len(held)}</b></h2>'
        + table(
            ["工单", "标题", "牵头单位", "协办状态", "灯色", "时限", "待办"],
            lines,
            empty="",
            cls="queue",
        )
        + "</section>"
    )
