"""Notify's own settings (MINHU_NOTIFY_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.notify.domain.contacts import DEFAULT_CONTACTS, DutyContacts
from services.notify.domain.schedule import RetrySchedule

# The local profiles' SMS gateway key (deploy/profiles.py, the simulator): never in production.
LOCAL_SMS_GATEWAY_KEY = "minhu-smsgw-local"
# The local profiles' Alertmanager credential (deploy/profiles.py): never in production.
LOCAL_ALERTMANAGER_TOKEN = "minhu-alertmanager-local"
PLACEHOLDERS = frozenset({"changeme", "changethis", "secret", "password", "minhu-local"})
MIN_SECRET = 16


def _weak(secret: str) -> bool:
    """A secret too short or a well-known placeholder (local keys included)."""
    plain = secret.strip().lower()
    return (
        len(plain) < MIN_SECRET
        or plain in (LOCAL_SMS_GATEWAY_KEY, LOCAL_ALERTMANAGER_TOKEN)
        or any(plain.startswith(p) for p in PLACEHOLDERS)
    )


class WebhookTarget(BaseModel):
    """A subscribed system: where to POST, the HMAC secret, which event types ("*" = all)."""

    name: str = Field(min_length=1, max_length=64)
    url: str
    secret: str = Field(min_length=16, repr=False)
    events: list[str] = ["*"]


class NotifySettings(BaseSettings):
    """Port, database, consumer group, templates, channels and delivery policy of notify."""

    model_config = SettingsConfigDict(env_prefix="MINHU_NOTIFY_", extra="ignore")

    port: int = 8004
    database: str = "minhu_notify"
    group: str = "notify"
    templates_file: Path | None = None
    # Duty phones (值班电话) of units and the supervision centre; checked at start.
    contacts_file: Path = DEFAULT_CONTACTS
    # SMS gateway (provider-neutral HTTP interface); unset: no SMS is planned.
    sms_gateway_url: str | None = None
    sms_gateway_key: str | None = Field(default=None, repr=False)
    # E-mail to supervisors over SMTP; unset host or no mailboxes: no e-mail is planned.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "12345@minhu.local"
    supervisor_emails: list[str] = []
    # Alertmanager's bearer credential at POST /v1/alerts; unset: nobody may post alerts.
    alertmanager_token: str | None = Field(default=None, repr=False)
    # JSON list of {name, url, secret, events}.
    webhooks: list[WebhookTarget] = []
    # A failed delivery is tried again after each wait in turn (s, m, h), then given up
    # (`make dlq` sends it again). Citizens' SMS retries wait out the quiet hours too.
    retry_schedule: str = "10s,30s,1m,2m,5m,10m,20m,30m,1h,1h,2h,2h,4h"
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_cap_seconds: float = Field(default=600.0, gt=0)
    # A citizen's survey reply waits out an sla outage far longer than a notice would.
    reply_max_attempts: int = Field(default=20, ge=1, le=100)
    quiet_start: str = "22:00"
    quiet_end: str = "08:00"
    # Citizens' SMS (receipts, notices, survey answers) to one number within any hour;
    # beyond it they are recorded as suppressed, not sent. Duty SMS to units are not capped.
    sms_per_phone_per_hour: int = Field(default=5, ge=1, le=100)
    # Callers' sealed numbers are dropped this long after their case closed (deliveries and
    # replies this long after they were sent or received). Checked every ..._every_seconds.
    pii_retention_days: int = Field(default=180, ge=1)
    pseudonymise_every_seconds: float = Field(default=3600.0, gt=0)

    def production_problems(self) -> list[str]:
        """What would be unsafe in production (MINHU_ENV=production), each naming its setting."""
        problems = []
        if self.sms_gateway_url and not self.sms_gateway_key:
            problems.append(
                "MINHU_NOTIFY_SMS_GATEWAY_KEY is unset while MINHU_NOTIFY_SMS_GATEWAY_URL is set"
            )
        elif self.sms_gateway_key and _weak(self.sms_gateway_key):
            problems.append(
                "MINHU_NOTIFY_SMS_GATEWAY_KEY is the local profile's key or a weak placeholder"
            )
        if self.alertmanager_token is not None and _weak(self.alertmanager_token):
            problems.append(
                "MINHU_NOTIFY_ALERTMANAGER_TOKEN is the local profile's token or a weak placeholder"
            )
        for hook in self.webhooks:
            if _weak(hook.secret):
                problems.append(f"MINHU_NOTIFY_WEBHOOKS: the secret of '{hook.name}' is weak")
            if not hook.url.startswith("https://"):
                problems.append(f"MINHU_NOTIFY_WEBHOOKS: '{hook.name}' is not an https:// URL")
        secrets = [h.secret for h in self.webhooks]
        if len(set(secrets)) < len(secrets):
            problems.append("MINHU_NOTIFY_WEBHOOKS: targets share a secret; give each its own")
        return problems

    @field_validator("contacts_file")
    @classmethod
    def _contacts_valid(cls, value: Path) -> Path:
        # Fail at start with the file's own problems, not at the first urgent case.
        DutyContacts.from_file(value)
        return value

    @field_validator("retry_schedule")
    @classmethod
    def _schedule_valid(cls, value: str) -> str:
        RetrySchedule.parse(value)  # a bad schedule stops the start, not the first failure
        return value
