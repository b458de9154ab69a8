"""The per-phone cap on citizens' SMS: at most N receipts and notices to one number an hour.

Beyond the cap the SMS is not sent; its delivery is recorded as suppressed with the reason,
so the case's record says why the citizen heard nothing. Numbers are counted by their blind
index, so no number is needed to count. Duty SMS to units are not citizens' SMS: they have
their own rules (only what cannot wait) and are never capped here. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notify.domain.plan import SMS

SUPPRESSED = "suppressed"
PER_PHONE_CAP = "per_phone_cap"
# Labels of suppression reasons, for pages that list deliveries.
REASON_LABELS = {PER_PHONE_CAP: "超出每个号码每小时短信上限，未发送"}


def is_citizen_sms(channel: str, template: str) -> bool:
    """Whether a notice is an SMS to a citizen (receipts, resolution, surveys, answers)."""
    return channel == SMS and template.startswith("citizen_")


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why an SMS is not sent: a reason code (REASON_LABELS) and a sentence for the log."""

    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class SmsCap:
    """At most `per_hour` citizen SMS to one number within any `window`."""

    per_hour: int = 5
    window: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.per_hour < 1:
            raise ValueError("the per-phone SMS cap must allow at least one SMS")

    def since(self, now: datetime) -> datetime:
        """Where the window that counts against an SMS planned now begins."""
        return now - self.window

    def check(self, already: int) -> Suppression | None:
        """None when one more SMS is allowed after `already` in the window, else why not."""
        if already < self.per_hour:
            return None
        return Suppression(
            PER_PHONE_CAP,
            f"{already} citizen SMS to this number within the last hour; "
            f"at most {self.per_hour} are sent",
        )
