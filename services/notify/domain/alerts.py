"""Alertmanager's webhook payload turned into the supervision centre's in-app notices.

One notice per alert and state: an alert that fires is told once however often Alertmanager
repeats it (its fingerprint and start time name it), and its resolution once more. No I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from services.common.inputs import TEXT
from services.common.labels import ALERT_NAMES, ALERT_SEVERITY, ALERT_STATUS

EVENT_TYPE = "minhu.ops.alert.v1"  # event_type of the notices in the delivery log
TEMPLATES = {"firing": "ops_alert_firing", "resolved": "ops_alert_resolved"}
LOCAL = ZoneInfo("Asia/Shanghai")


Key = Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT)]
Value = Annotated[str, Field(max_length=4000, pattern=TEXT)]


class Alert(BaseModel):
    """One alert of a notification (Alertmanager webhook payload, version 4)."""

    status: str = Field(pattern="^(firing|resolved)$")
    labels: dict[Key, Value] = Field(max_length=64)
    annotations: dict[Key, Value] = Field(default_factory=dict, max_length=64)
    startsAt: datetime  # Alertmanager's own field names
    endsAt: datetime | None = None
    fingerprint: str = Field(pattern="^[0-9a-f]{1,64}$")


class Notification(BaseModel):
    """What Alertmanager posts to a webhook receiver: one group of alerts."""

    version: str = Field(pattern="^4$")
    status: str = Field(pattern="^(firing|resolved)$")
    receiver: str = Field(max_length=128, pattern=TEXT)
    alerts: list[Alert] = Field(max_length=1000)
    groupKey: str = Field(default="", max_length=1024, pattern=TEXT)
    truncatedAlerts: int = 0


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """One in-app notice about one alert in one state."""

    event_id: str
    status: str  # firing | resolved
    template: str
    body: str
    params: dict[str, str]


def event_id(alert: Alert) -> str:
    """The alert's name in the delivery log: its fingerprint, start time and state."""
    # To the millisecond: Alertmanager's API shows starts so, its webhooks to the nanosecond.
    start = alert.startsAt.replace(microsecond=alert.startsAt.microsecond // 1000 * 1000)
    key = f"{alert.fingerprint}|{start.isoformat()}|{alert.status}"
    return "alert-" + hashlib.sha256(key.encode()).hexdigest()[:48]


def _local(at: datetime) -> str:
    """A time as the centre reads it (Beijing time, to the minute)."""
    try:
        return at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, ValueError):  # at the ends of the calendar
        return at.isoformat()


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def body(alert: Alert) -> str:
    """The notice as the supervision centre reads it, in Chinese; the rule's own summary
    (the words of the operators' runbook) follows in brackets."""
    labels = alert.labels
    name = _clip(labels.get("alertname", ""), 128)
    what = ALERT_NAMES.get(name, name or "未命名告警")
    head = ALERT_STATUS[alert.status]
    severity = ALERT_SEVERITY.get(labels.get("severity", ""), _clip(labels.get("severity", ""), 32))
    if severity:
        head = f"{head}·{severity}"
    parts = [f"【{head}】{what}"]
    if labels.get("service"):
        parts.append(f"：{_clip(labels['service'], 64)}")
    parts.append(f"，开始于 {_local(alert.startsAt)}")
    if alert.status == "resolved" and alert.endsAt is not None:
        parts.append(f"，解除于 {_local(alert.endsAt)}")
    summary = alert.annotations.get("summary", "")
    if summary:
        parts.append(f"（{_clip(summary)}）")
    return "".join(parts)


def notices(payload: Notification) -> list[AlertNotice]:
    """The notices of one notification, in its order; an alert listed twice counts once."""
    out: dict[str, AlertNotice] = {}
    for alert in payload.alerts:
        eid = event_id(alert)
        params = {
            k: v
            for k, v in {
                "alertname": alert.labels.get("alertname", ""),
                "service": alert.labels.get("service", ""),
                "severity": alert.labels.get("severity", ""),
                "fingerprint": alert.fingerprint,
                "starts_at": alert.startsAt.isoformat(),
            }.items()
            if v
        }
        notice = AlertNotice(eid, alert.status, TEMPLATES[alert.status], body(alert), params)
        out.setdefault(eid, notice)
    return list(out.values())
