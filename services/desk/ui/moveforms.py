"""The case page's forms for moving a case after acceptance (改派, 上报 and its decision),
and the line that shows a pending 上报 to both sides."""

from __future__ import annotations

from typing import Any

from services.common.access.casework import transfer_refusal
from services.common.jurisdiction import Directory
from services.desk.labels import TIERS
from services.desk.ui.html import e
from services.desk.ui.users import User

MOVE_FORMS = {
    # Its choice of units depends on the supervisor: see transfer_fields.
    "transfer": ("改派", ""),
    "takeover": (
        "上报",
        '<textarea name="reason" required'
        ' placeholder="上报理由（如：涉及多个部门，需上级协调）"></textarea>',
    ),
    "takeover/decision": (
        "决定上报",
        '<select name="accept"><option value="true">接收，由本单位办理</option>'
        '<option value="false">不予接收，退回原单位办理</option></select>'
        '<input name="note" placeholder="意见（不予接收时必填）" maxlength="500">',
    ),
}


def transfer_fields(user: User, row: dict[str, Any], directory: Directory) -> str:
    """改派's fields: the handling units of the supervisor's jurisdiction, and the reason."""
    options = "".join(
        f'<option value="{e(u.id)}">{e(u.name)}（{e(TIERS.get(u.tier.value, u.tier.value))}）'
        "</option>"
        for u in directory.units
        if u.id != row.get("unit_id") and transfer_refusal(user, u.id, directory) is None
    )
    return (
        '<select name="unit_id" required aria-label="改派至">'
        f'<option value="">请选择改派至的单位</option>{options}</select>'
        '<textarea name="reason" required placeholder="改派理由"></textarea>'
    )


def pending_takeover(row: dict[str, Any], unit_name: Any) -> str:
    """A pending 上报 as both the unit that asked and the unit asked see it."""
    asked = str(row.get("takeover_unit_id") or "")
    if not asked:
        return ""
    return (
        f'<p class="ext" id="pending-takeover">上报申请：{e(row.get("takeover_note") or "")}'
        f"（待{e(unit_name(asked))}决定）</p>"
    )
