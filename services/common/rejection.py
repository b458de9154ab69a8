"""Why a case is not the platform's matter (不予受理): the short list of reasons a dispatcher
or supervisor picks from, and the sentence the record and the caller's SMS carry.

Pure data and one rule, shared by dispatch (a case still in the manual queue) and sla (a
case already with a unit): the same reasons read the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

OTHER = "other"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for 不予受理 and what the caller is advised to do instead."""

    label: str
    advice: str


REASONS: dict[str, Reason] = {
    "litigation": Reason("涉诉涉法", "建议通过司法途径依法解决"),
    "in_proceedings": Reason("已进入仲裁/诉讼", "请按仲裁或诉讼程序办理"),
    "outside_city": Reason("非本市辖区", "请向事发地政务服务热线反映"),
    "unreasonable_repeat": Reason("重复无理诉求", "相关诉求已依法依规答复"),
    OTHER: Reason("其他", ""),
}
NOTE_LIMIT = 200


class NotAReason(ValueError):
    """The reason given is not on the list, or 其他 without a word of explanation."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def rejection_note(reason: str, text: str = "") -> str:
    """The reason as the record and the caller read it: 涉诉涉法（补充说明）；建议…"""
    found = REASONS.get(reason)
    if found is None:
        choices = "、".join(r.label for r in REASONS.values())
        raise NotAReason(f"请选择不予受理的理由（{choices}）", "reject_reason_unknown")
    text = " ".join(text.split())[:NOTE_LIMIT]
    if reason == OTHER:
        if not text:
            raise NotAReason("选择“其他”时请填写不予受理的具体理由", "reject_reason_missing")
        return text
    said = f"{found.label}（{text}）" if text else found.label
    return f"{said}；{found.advice}" if found.advice else said
