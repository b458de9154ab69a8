"""Login throttling: too many failures for a name or an address lock it out for a while.

A pure rule over the times of recent failures, so it is tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Throttle:
    """`limit` failures within `window` lock the key out until `lockout` after the last one."""

    limit: int
    window: timedelta
    lockout: timedelta

    @property
    def lookback(self) -> timedelta:
        """How far back failures can still matter (older ones may be forgotten)."""
        return max(self.window, self.lockout)

    def locked_until(self, failures: list[datetime], now: datetime) -> datetime | None:
        """When the lock-out ends, or None if the key may try now.

        Failures are counted within `window` before the last one; a lock-out starts at the
        failure that reaches the limit and lasts `lockout` from the last failure seen.
        """
        if self.limit <= 0 or len(failures) < self.limit:
            return None
        times = sorted(failures)
        last = times[-1]
        within = [t for t in times if t > last - self.window]
        if len(within) < self.limit:
            return None
        until = last + self.lockout
        return until if until > now else None


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes until a lock-out ends (at least one)."""
    return max(1, -int(-(until - now).total_seconds() // 60))


def lockout_message(until: datetime, now: datetime) -> str:
    """The Chinese sentence a locked-out visitor reads."""
    return f"登录失败次数过多，账号已临时锁定，请 {minutes_left(until, now)} 分钟后再试。"
