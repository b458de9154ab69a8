"""Working time between instants from a list of working spans; pure, no I/O."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# How a deadline is counted; UNKNOWN: clock time while sla's calendar cannot be had.
WORKING, CLOCK, UNKNOWN = "working", "clock", "unknown"


def deadline_of(row: Mapping[str, Any]) -> str:
    """Which deadline a board row's `due` is: acceptance until accepted, then resolution."""
    return "accept" if row.get("state") == "dispatched" else "resolve"


@dataclass(frozen=True)
class WorkTime:
    """Working spans over a window, and how each deadline is counted.

    Outside the window every second counts, as clock time: a deadline months away or long
    past is shown with a small error rather than not at all.
    """

    spans: Sequence[tuple[datetime, datetime]]
    window: tuple[datetime, datetime]
    office_day: timedelta
    bases: Mapping[str, Mapping[str, str]]
    _starts: list[datetime] = field(init=False, repr=False)
    _before: list[timedelta] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        before, total = [], timedelta()
        for begin, end in self.spans:
            before.append(total)
            total += end - begin
        object.__setattr__(self, "_starts", [b for b, _ in self.spans])
        object.__setattr__(self, "_before", before)

    @classmethod
    def from_json(cls, body: Mapping[str, Any], window: tuple[datetime, datetime]) -> WorkTime:
        """From sla's /v1/calendar/working-time answer."""
        spans = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in body["spans"]]
        return cls(
            spans=spans,
            window=window,
            office_day=timedelta(seconds=int(body["office_day_seconds"])),
            bases=body["bases"],
        )

    def _worked_until(self, t: datetime) -> timedelta:
        """Working time from the window's start to t (negative before it)."""
        lo, hi = self.window
        if t <= lo:
            return t - lo
        if t >= hi:
            return self._worked_until_inside(hi) + (t - hi)
        return self._worked_until_inside(t)

    def _worked_until_inside(self, t: datetime) -> timedelta:
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return timedelta()
        begin, end = self.spans[i]
        return self._before[i] + (min(t, end) - begin)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from start to end; negative when end comes first."""
        return self._worked_until(end) - self._worked_until(start)

    def basis(self, row: Mapping[str, Any]) -> str:
        """Whether the row's deadline counts working or clock time, per sla's policy."""
        key = "urgent" if row.get("urgent") else str(row.get("difficulty", ""))
        return self.bases.get(key, {}).get(deadline_of(row), WORKING)

    def left(self, row: Mapping[str, Any], now: datetime) -> timedelta | None:
        """Time left until the row's due (negative once late), in the deadline's own terms."""
        due = row.get("due")
        if due is None:
            return None
        return self.between(now, due) if self.basis(row) == WORKING else due - now

    def annotate(self, rows: Sequence[dict[str, Any]], now: datetime) -> None:
        """Add time_left, time_basis, office_day and time_at (epoch ms) to board rows."""
        for row in rows:
            row["time_left"] = self.left(row, now)
            row["time_basis"] = self.basis(row)
            row["office_day"] = self.office_day
            row["time_at"] = int(now.timestamp() * 1000)

    def export(self, now: datetime, behind: timedelta, ahead: timedelta) -> dict[str, Any]:
        """What the browser needs to keep counting, in epoch milliseconds: spans around now.

        The window reaches back because a page counts from when it was rendered, which
        precedes its fetch of these spans.
        """
        start, until = now - behind, now + ahead
        spans = [
            [int(max(a, start).timestamp() * 1000), int(min(b, until).timestamp() * 1000)]
            for a, b in self.spans
            if b > start and a < until
        ]
        return {
            "spans": spans,
            "from": int(start.timestamp() * 1000),
            "until": int(until.timestamp() * 1000),
            "office_day": int(self.office_day.total_seconds()),
        }


def annotate_clock_time(rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """Like WorkTime.annotate, in clock time, marked UNKNOWN: for when sla is unreachable."""
    for row in rows:
        due = row.get("due")
        row["time_left"] = due - now if due is not None else None
        row["time_basis"] = UNKNOWN
        row["office_day"] = timedelta(days=1)
        row["time_at"] = int(now.timestamp() * 1000)
