"""Recipients, channels and texts for each case event; texts live in notify/templates/zh.yaml.

Without a Context only in-app notices are planned. With one, citizens get SMS (receipt; at
resolution the promise of a callback, or the survey itself when they did not agree to be
called; the survey when a callback did not reach them), units' and the supervision centre's
duty phones SMS for what cannot wait (urgent new cases, breaches, escalations, 督办),
supervisors e-mail, and webhook subscribers every event they subscribed to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.common.labels import DEADLINE_LIMITS, DIFFICULTY, TIERS
from services.notify.domain.contacts import DutyContacts

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "zh.yaml"
IN_APP = "in_app"
SMS = "sms"
EMAIL = "email"
WEBHOOK = "webhook"
SUPERVISION_CENTRE = "supervision"
# The human dispatchers' desk: bounced cases come back to it.
DISPATCH_DESK = "dispatch"
DISPATCHED = "minhu.case.dispatched.v1"
SLA_CHANGED = "minhu.case.sla.v1"
ACTION = "minhu.case.action.v1"
RECEIVED = "minhu.case.received.v1"
CLOSED = "minhu.case.closed.v1"
# 不予受理 and 合并: the caller is told why, or the lead's result (values kept SMS-short).
CLOSED_TEMPLATES = {"rejected": "citizen_rejected", "merged": "citizen_merged"}
SMS_VALUE_LIMIT = 70
_DIFFICULTY = DIFFICULTY
_DEADLINE = DEADLINE_LIMITS
_TIER = {**TIERS, "district": "区级部门"}


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to one recipient over one channel.

    `recipient` is who (a unit id, a phone number, a mailbox, a subscriber name);
    `params` are the template's values, for channels that send a template id and values.
    """

    channel: str
    recipient: str
    template: str
    body: str
    params: tuple[tuple[str, str], ...] = ()
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Caller:
    """What notify remembers of a case's caller from case.received."""

    phone: str
    anonymous: bool = False
    callback_consent: bool = False
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A system that receives signed webhooks for some event types ("*" for all)."""

    name: str
    events: tuple[str, ...] = ("*",)

    def wants(self, event_type: str) -> bool:
        """Whether this subscriber asked for the event type."""
        return "*" in self.events or event_type in self.events


@dataclass(frozen=True, slots=True)
class Context:
    """Who can be reached beyond the in-app inbox."""

    caller: Caller | None = None
    supervisor_emails: tuple[str, ...] = ()
    subscribers: tuple[Subscriber, ...] = ()
    # Duty phones; None when no SMS gateway is configured.
    duty: DutyContacts | None = None
    # The case is urgent (as dispatch classified it): its duty SMS skip the quiet hours.
    urgent: bool = False


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


def plan(
    event_type: str, fields: dict[str, Any], templates: Templates, ctx: Context | None = None
) -> list[Notice]:
    """Every notice one event calls for: in-app, then citizen SMS, e-mail and webhooks."""
    ctx = ctx or Context()
    notices = _in_app(event_type, fields, templates)
    notices += _citizen(event_type, fields, templates, ctx.caller)
    notices += _duty(event_type, fields, templates, ctx)
    for n in list(notices):
        if n.recipient == SUPERVISION_CENTRE:
            notices += [
                Notice(EMAIL, mailbox, n.template, n.body, n.params)
                for mailbox in ctx.supervisor_emails
            ]
    notices += [
        Notice(WEBHOOK, s.name, "webhook_event", event_type)
        for s in ctx.subscribers
        if s.wants(event_type)
    ]
    return notices


def wants_caller(event_type: str, fields: dict[str, Any]) -> bool:
    """Whether the caller's number can matter to an event's notices (after case.received,
    only the resolution and a callback that did not reach them text the caller), so the
    sealed number is opened only then."""
    if event_type == CLOSED:
        return fields.get("reason") in CLOSED_TEMPLATES
    return event_type == ACTION and fields.get("action") in ("resolved", "callback_recorded")


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= SMS_VALUE_LIMIT else text[: SMS_VALUE_LIMIT - 1] + "…"


def _closed_values(fields: dict[str, Any]) -> dict[str, str]:
    """The values of a rejection's or a merged close's SMS, besides the case number."""
    if fields["reason"] == "rejected":
        return {"reason": _short(fields.get("note") or "不属于本平台受理范围")}
    result = fields.get("resolution") or fields.get("note") or "已办结"
    return {"lead_case_no": str(fields.get("lead_case_no") or ""), "result": _short(result)}


def _citizen(
    event_type: str, fields: dict[str, Any], templates: Templates, caller: Caller | None
) -> list[Notice]:
    """SMS to the caller: never to an anonymous caller or one without a number."""
    if caller is None or caller.anonymous or not caller.phone:
        return []
    template = None
    if event_type == RECEIVED:
        template = "citizen_received"
    elif event_type == ACTION and fields["action"] == "resolved":
        # Without consent nobody will call: the resolution SMS carries the survey itself
        # (one text, so it never promises a call that will not come).
        template = "citizen_resolved" if caller.callback_consent else "citizen_resolved_survey"
    elif (
        event_type == ACTION
        and fields["action"] == "callback_recorded"
        and "未接通" in fields["note"]
        and caller.callback_consent  # without consent the survey went out at resolution
    ):
        template = "citizen_callback_survey"
    extra: dict[str, str] = {}
    if event_type == CLOSED and fields.get("reason") in CLOSED_TEMPLATES:
        template = CLOSED_TEMPLATES[fields["reason"]]
        extra = _closed_values(fields)
    if template is None:
        return []
    values = {"case_no": fields["case_no"], **extra}
    body = templates.render(template, **values)
    return [Notice(SMS, caller.phone, template, body, tuple(values.items()), caller.urgent)]


def _duty(
    event_type: str, fields: dict[str, Any], templates: Templates, ctx: Context
) -> list[Notice]:
    """SMS to duty phones, only for what cannot wait until someone opens the inbox.

    Ordinary new cases and yellow lights stay in-app, so a busy unit's phone is not flooded.
    """
    if ctx.duty is None:
        return []
    case_no = fields["case_no"]
    phone: str | None
    values: dict[str, str] = {"case_no": case_no}
    if event_type == DISPATCHED:
        if not fields["urgent"]:
            return []
        phone = ctx.duty.unit_phone(fields["unit_id"])
        manual = fields["manual"]  # waiting at the dispatch centre for a human to place it
        template = "dispatcher_duty_urgent_manual" if manual else "handler_duty_urgent_case"
        values["topic"] = fields["topic"]
        urgent = True
    elif event_type == SLA_CHANGED and fields["kind"] in ("breached", "escalated", "supervised"):
        kind = fields["kind"]
        values["deadline_label"] = _DEADLINE.get(fields["deadline"], fields["deadline"])
        if kind == "supervised":
            phone, template = ctx.duty.supervision, "supervisor_duty_supervised"
        else:
            # On escalation unit_id is the unit that takes the case over.
            phone, template = ctx.duty.unit_phone(fields["unit_id"]), f"handler_duty_{kind}"
        urgent = ctx.urgent
    else:
        return []
    if not phone:
        return []
    body = templates.render(template, **values)
    return [Notice(SMS, phone, template, body, tuple(values.items()), urgent)]


def _in_app(event_type: str, fields: dict[str, Any], templates: Templates) -> list[Notice]:
    """Notices to units' in-app inboxes (handlers, the dispatch desk, supervision)."""
    case_no = fields["case_no"]

    def notice(recipient: str, template: str, **extra: Any) -> Notice:
        body = templates.render(template, case_no=case_no, **extra)
        return Notice(IN_APP, recipient, template, body)

    if event_type == DISPATCHED:
        if fields["manual"]:
            return [
                notice(
                    fields["unit_id"],
                    "dispatcher_manual_case",
                    unit_name=fields["unit_name"],
                    confidence=f"{fields['confidence']:.2f}",
                )
            ]
        if fields.get("request_type") == "praise":
            # Forwarded to the unit and closed by dispatch: nothing to accept or resolve.
            return [notice(fields["unit_id"], "handler_praise", topic=fields["topic"])]
        return [
            notice(
                fields["unit_id"],
                "handler_new_case",
                topic=fields["topic"],
                difficulty_label=_DIFFICULTY.get(fields["difficulty"], fields["difficulty"]),
                urgent_note="【紧急】" if fields["urgent"] else "",
            ),
            *_co_units(fields, notice),
        ]
    if event_type == SLA_CHANGED and fields.get("part_unit_id"):
        return _part_sla(fields, notice)
    if event_type == SLA_CHANGED:
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
    if event_type == ACTION:
        action = fields["action"]
        if action == "reopened":
            return [notice(fields["unit_id"], "handler_reopened")]
        if action == "bounced":
            return [notice(DISPATCH_DESK, "dispatcher_bounced", reason=fields["note"])]
        if action == "extension_requested":
            return [notice(SUPERVISION_CENTRE, "supervisor_extension_request", note=fields["note"])]
        if action in MOVE_NOTICES:
            return _moved(fields, notice)
    return []


# Moves after acceptance: the receiving (or asked) unit hears of it in its inbox; a decided
# 上报 is told back to the unit that asked.
MOVE_NOTICES = ("transferred", "takeover_requested", "takeover_decided")


def _moved(fields: dict[str, Any], notice: Callable[..., Notice]) -> list[Notice]:
    action, note = fields["action"], fields["note"]
    to, asked_by = str(fields.get("to_unit_id") or ""), str(fields.get("from_unit_id") or "")
    if action == "transferred" and to:
        return [notice(to, "handler_transferred", note=note)]
    if action == "takeover_requested" and to:
        return [notice(to, "handler_takeover_request", note=note)]
    if action == "takeover_decided" and asked_by:
        template = (
            "handler_takeover_accepted" if fields.get("accepted") else "handler_takeover_refused"
        )
        return [notice(asked_by, template, note=note)]
    return []


def _co_units(fields: dict[str, Any], notice: Callable[..., Notice]) -> list[Notice]:
    """联动办: each co-unit hears of its own part of the case, and who leads it."""
    co = [u for u in dict.fromkeys(fields.get("co_unit_ids") or ()) if u != fields["unit_id"]]
    return [
        notice(
            unit_id,
            "handler_joint_part",
            topic=fields["topic"],
            unit_name=fields["unit_name"],
            urgent_note="【紧急】" if fields["urgent"] else "",
        )
        for unit_id in co
    ]


def _part_sla(fields: dict[str, Any], notice: Callable[..., Notice]) -> list[Notice]:
    """A co-unit's part: its yellow light, breach and escalation go to whoever holds it."""
    kind, holder = fields["kind"], fields["unit_id"]
    deadline_label = _DEADLINE.get(fields["deadline"], fields["deadline"])
    if kind == "part_light_changed" and fields["light"] == "yellow":
        return [notice(holder, "handler_part_yellow", deadline_label=deadline_label)]
    if kind == "part_breached":
        return [notice(holder, "handler_part_breached", deadline_label=deadline_label)]
    if kind == "part_escalated":
        return [
            notice(holder, "handler_part_escalated", deadline_label=deadline_label),
            notice(
                SUPERVISION_CENTRE,
                "supervisor_part_escalated",
                deadline_label=deadline_label,
                tier_label=_TIER.get(fields["tier"], fields["tier"]),
            ),
        ]
    if kind == "part_supervised":
        return [notice(SUPERVISION_CENTRE, "supervisor_part_supervised")]
    return []
