"""When a delivery may go out: citizens' quiet hours and the retry backoff. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class QuietHours:
    """No citizen SMS between start and end local time (overnight), unless urgent."""

    start: time = time(22, 0)
    end: time = time(8, 0)
    zone: ZoneInfo = SHANGHAI

    def not_before(self, now: datetime, *, urgent: bool) -> datetime:
        """`now`, or the end of the quiet period it falls in: held back, never dropped."""
        if urgent:
            return now
        local = now.astimezone(self.zone)
        t = local.time()
        if self.start <= self.end:
            quiet = self.start <= t < self.end
            release_day = local.date()
        else:
            quiet = t >= self.start or t < self.end
            release_day = local.date() + timedelta(days=1) if t >= self.start else local.date()
        if not quiet:
            return now
        return datetime.combine(release_day, self.end, tzinfo=self.zone)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with a cap; after max_attempts failures the delivery is dead."""

    base_seconds: float = 2.0
    cap_seconds: float = 600.0
    max_attempts: int = 5

    def after(self, failures: int) -> timedelta | None:
        """The wait before the next try after `failures` failures, or None: dead-letter it."""
        if failures >= self.max_attempts:
            return None
        return timedelta(seconds=min(self.base_seconds * 2 ** (failures - 1), self.cap_seconds))
