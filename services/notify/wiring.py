"""Builds notify's channels and policies from its settings."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import yaml

from services.notify.channels import Channel
from services.notify.channels.email import Smtp
from services.notify.channels.sms import SmsGateway
from services.notify.channels.webhook import Webhooks
from services.notify.domain.caps import SmsCap
from services.notify.domain.contacts import DutyContacts
from services.notify.domain.plan import EMAIL, SMS, WEBHOOK, Context, Subscriber
from services.notify.domain.schedule import Backoff, QuietHours, RetrySchedule
from services.notify.settings import NotifySettings

SMS_CODES = Path(__file__).resolve().parent / "templates" / "sms.yaml"


def sms_codes(path: Path = SMS_CODES) -> dict[str, str]:
    """Provider template codes by template id."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of template id to code")
    return {str(k): str(v) for k, v in data.items()}


def channels(own: NotifySettings) -> dict[str, Channel]:
    """The configured channels (in-app needs none: it is delivered when recorded)."""
    out: dict[str, Channel] = {}
    if own.sms_gateway_url:
        out[SMS] = SmsGateway(own.sms_gateway_url, own.sms_gateway_key or "", sms_codes())
    if own.smtp_host:
        out[EMAIL] = Smtp(own.smtp_host, own.smtp_port, own.smtp_from)
    if own.webhooks:
        out[WEBHOOK] = Webhooks({w.name: (w.url, w.secret) for w in own.webhooks})
    return out


def context(own: NotifySettings) -> Context:
    """Who beyond in-app inboxes can be reached, given the configured channels."""
    return Context(
        supervisor_emails=tuple(own.supervisor_emails) if own.smtp_host else (),
        subscribers=tuple(Subscriber(w.name, tuple(w.events)) for w in own.webhooks),
        duty=DutyContacts.from_file(own.contacts_file) if own.sms_gateway_url else None,
    )


def wants_sms(own: NotifySettings) -> bool:
    """Citizens and duty phones are texted only when a gateway is configured."""
    return bool(own.sms_gateway_url)


def retry_schedule(own: NotifySettings) -> RetrySchedule:
    """When failed deliveries are tried again, and when they are given up."""
    return RetrySchedule.parse(own.retry_schedule)


def reply_backoff(own: NotifySettings) -> Backoff:
    """The retry policy for applying citizens' SMS replies."""
    return Backoff(own.retry_base_seconds, own.retry_cap_seconds, own.reply_max_attempts)


def quiet_hours(own: NotifySettings) -> QuietHours:
    """Citizens' quiet hours."""
    return QuietHours(time.fromisoformat(own.quiet_start), time.fromisoformat(own.quiet_end))


def sms_cap(own: NotifySettings) -> SmsCap:
    """The per-phone cap on citizens' SMS."""
    return SmsCap(per_hour=own.sms_per_phone_per_hour)
