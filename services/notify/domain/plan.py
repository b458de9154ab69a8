"""Recipients and texts for each case event; templates live in notify/templates/zh.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "zh.yaml"
IN_APP = "in_app"
SUPERVISION_CENTRE = "supervision"
# The human dispatchers' desk: bounced cases come back to it.
DISPATCH_DESK = "dispatch"
_DIFFICULTY = {"simple": "立即办", "general": "协调办", "complex": "联动办", "legacy": "历史遗留"}
_DEADLINE = {
    "accept": "签收时限",
    "resolve": "办结时限",
    "progress_report": "进展报告时限",
    "callback": "回访时限",
}
_TIER = {
    "village": "村/社区",
    "township": "乡镇/街道",
    "district": "区级部门",
    "supervision": "督办",
}


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to one recipient over one channel."""

    channel: str
    recipient: str
    template: str
    body: str


class Templates:
    """Message texts by template id."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts

    @classmethod
    def from_file(cls, path: Path | None = None) -> Templates:
        """Load and check a template file."""
        data = yaml.safe_load((path or DEFAULT_TEMPLATES).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"{path or DEFAULT_TEMPLATES}: expected a mapping of id to text")
        return cls(data)

    def render(self, template: str, **values: Any) -> str:
        """Fill a template; a missing placeholder is an error, not a silent blank."""
        return self.texts[template].format(**values)


def plan(event_type: str, fields: dict[str, Any], templates: Templates) -> list[Notice]:
    """The notices one event calls for (the foundation sends them in-app)."""
    case_no = fields["case_no"]

    def notice(recipient: str, template: str, **extra: Any) -> Notice:
        body = templates.render(template, case_no=case_no, **extra)
        return Notice(IN_APP, recipient, template, body)

    if event_type == "minhu.case.dispatched.v1":
        if fields["manual"]:
            return [
                notice(
                    fields["unit_id"],
                    "dispatcher_manual_case",
                    unit_name=fields["unit_name"],
                    confidence=f"{fields['confidence']:.2f}",
                )
            ]
        return [
            notice(
                fields["unit_id"],
                "handler_new_case",
                topic=fields["topic"],
                difficulty_label=_DIFFICULTY.get(fields["difficulty"], fields["difficulty"]),
                urgent_note="【紧急】" if fields["urgent"] else "",
            )
        ]
    if event_type == "minhu.case.sla.v1":
        kind = fields["kind"]
        deadline_label = _DEADLINE.get(fields["deadline"], fields["deadline"])
        if kind == "light_changed" and fields["light"] == "yellow":
            return [
                notice(fields["unit_id"], "handler_light_yellow", deadline_label=deadline_label)
            ]
        if kind == "breached":
            return [notice(fields["unit_id"], "handler_breached", deadline_label=deadline_label)]
        if kind == "escalated":
            return [
                notice(fields["unit_id"], "handler_escalated", deadline_label=deadline_label),
                notice(
                    SUPERVISION_CENTRE,
                    "supervisor_escalated",
                    deadline_label=deadline_label,
                    tier_label=_TIER.get(fields["tier"], fields["tier"]),
                ),
            ]
        if kind == "supervised":
            return [notice(SUPERVISION_CENTRE, "supervisor_supervised")]
        return []
    if event_type == "minhu.case.action.v1":
        action = fields["action"]
        if action == "reopened":
            return [notice(fields["unit_id"], "handler_reopened")]
        if action == "bounced":
            return [notice(DISPATCH_DESK, "dispatcher_bounced", reason=fields["note"])]
        if action == "extension_requested":
            return [notice(SUPERVISION_CENTRE, "supervisor_extension_request", note=fields["note"])]
    return []
