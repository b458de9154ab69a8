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


_UNITS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class RetrySchedule:
    """The waits between a delivery's attempts, e.g. "30s,2m,10m,1h,4h"; after the last one
    fails the delivery is given up (dead) and `make dlq` can send it again."""

    waits: tuple[timedelta, ...]

    @classmethod
    def parse(cls, text: str) -> RetrySchedule:
        """Read "30s,2m,1h" (seconds, minutes, hours); at least one wait, each above zero."""
        waits = []
        for item in (part.strip() for part in text.split(",")):
            number, unit = item[:-1], item[-1:]
            if unit not in _UNITS or not number.isdigit() or int(number) <= 0:
                raise ValueError(f"not a wait like 30s, 5m or 2h: {item!r}")
            waits.append(timedelta(seconds=int(number) * _UNITS[unit]))
        return cls(tuple(waits))

    @property
    def span(self) -> timedelta:
        """How long a delivery is retried before it is given up."""
        return sum(self.waits, timedelta())

    def after(self, failures: int) -> timedelta | None:
        """The wait before the next try after `failures` failures, or None: give it up."""
        return self.waits[failures - 1] if failures <= len(self.waits) else None


# Notices a closed case no longer needs: its receipt (the result has the case number), the
# second survey after an unanswered callback, and the staff's calls to act. The result
# (办结告知) and answers to a citizen's own reply are owed even after the case closed.
MOOT_ONCE_CLOSED = frozenset({"citizen_received", "citizen_callback_survey"})
STAFF_PREFIXES = ("handler_", "supervisor_", "dispatcher_")


def still_needed(template: str, *, case_closed: bool) -> bool:
    """Whether a notice not yet sent should still go out."""
    if not case_closed:
        return True
    return template not in MOOT_ONCE_CLOSED and not template.startswith(STAFF_PREFIXES)
