"""Keeps a recent copy of sla's working-time calendar for the queue UI."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from services.desk.worktime.model import WorkTime

# The copy spans deadlines long past (overdue counts) and far ahead (30 working days and
# extensions); it is renewed hourly, and at once if a page needs an instant beyond it.
BEHIND, AHEAD = timedelta(days=90), timedelta(days=180)
FRESH_FOR = timedelta(hours=1)
RETRY_AFTER = timedelta(seconds=30)


class CalendarPort(Protocol):
    async def working_time(self, start: datetime, end: datetime) -> dict[str, Any] | None: ...


class WorkTimeSource:
    """sla's calendar, fetched on demand and cached; None while sla cannot be reached."""

    def __init__(self, sla: CalendarPort) -> None:
        self.sla = sla
        self._current: WorkTime | None = None
        self._fetched_at: datetime | None = None
        self._failed_at: datetime | None = None
        self._lock = asyncio.Lock()

    def _fresh(self, now: datetime) -> bool:
        if self._current is None or self._fetched_at is None:
            return False
        lo, hi = self._current.window
        return now - self._fetched_at < FRESH_FOR and lo + BEHIND / 2 <= now <= hi - AHEAD / 2

    async def get(self, now: datetime | None = None) -> WorkTime | None:
        """The calendar around now; the last good copy (or None) if sla does not answer."""
        now = now or datetime.now(UTC)
        if self._fresh(now):
            return self._current
        async with self._lock:
            if self._fresh(now):
                return self._current
            if self._failed_at is not None and now - self._failed_at < RETRY_AFTER:
                return self._current
            window = (now - BEHIND, now + AHEAD)
            body = await self.sla.working_time(*window)
            if body is None:
                self._failed_at = now
                return self._current
            self._current = WorkTime.from_json(body, window)
            self._fetched_at, self._failed_at = now, None
            return self._current
