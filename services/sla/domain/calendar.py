"""Working-time calendar: office hours on Chinese statutory working days."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from .policy import (
    DEFAULT_OFFICE_HOURS,
    CalendarMode,
    Duration,
    PolicyError,
    SlaPolicy,
    read_yaml,
)

log = logging.getLogger(__name__)

# Far beyond any real deadline; only a calendar with no working days at all gets here.
_MAX_DAYS_SCANNED = 3660


class WorkingCalendar:
    """Adds wall-clock or working durations to instants.

    Working days follow chinese_calendar (statutory holidays and make-up working
    days, 调休). Operator dates override it; for a year neither covers,
    Monday to Friday is assumed and the year is recorded in `fallback_years`.
    In `calendar_days` mode every day is a working day and working time is
    plain wall-clock time (24x7).
    """

    def __init__(
        self,
        *,
        office_hours: Sequence[tuple[time, time]] = DEFAULT_OFFICE_HOURS,
        tz: tzinfo | str = "Asia/Shanghai",
        mode: CalendarMode = "statutory",
        extra_holidays: Mapping[date, bool] | None = None,
    ) -> None:
        spans = tuple(office_hours)
        ordered = all(a < b for a, b in spans) and all(
            prev[1] <= nxt[0] for prev, nxt in pairwise(spans)
        )
        if not spans or not ordered:
            raise ValueError("office_hours must be non-empty, ordered, non-overlapping spans")
        self.office_hours = spans
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.mode = mode
        # True = holiday, False = make-up working day.
        self._extra = dict(extra_holidays or {})
        self._operator_years = {d.year for d in self._extra}
        self._office_day = sum(
            (_since_midnight(b) - _since_midnight(a) for a, b in spans), timedelta()
        )
        self.fallback_years: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_policy(cls, policy: SlaPolicy) -> WorkingCalendar:
        """Build the calendar a policy describes, reading its holiday file if any."""
        cal = policy.calendar
        extra = load_holidays(cal.holiday_file) if cal.holiday_file else None
        return cls(office_hours=cal.office_hours, tz=policy.tz, mode=cal.mode, extra_holidays=extra)

    @property
    def office_day(self) -> timedelta:
        """What one working day is worth: a full office day, or 24 hours in calendar_days mode."""
        return timedelta(days=1) if self.mode == "calendar_days" else self._office_day

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day; never raises for years the package lacks."""
        if isinstance(d, datetime):
            d = d.date()
        if self.mode == "calendar_days":
            return True
        if d in self._extra:
            return not self._extra[d]
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            if d.year not in self._operator_years:
                self._note_fallback(d.year)
        return d.weekday() < 5

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The instant `duration` after `start`, in UTC; working units skip nights and holidays."""
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be timezone-aware")
        if not duration.is_working_time:
            return start.astimezone(UTC) + duration.as_timedelta()
        if self.mode == "calendar_days":
            per_unit = timedelta(days=1) if duration.unit == "working_days" else timedelta(hours=1)
            return start.astimezone(UTC) + duration.amount * per_unit
        # A working day is a full office day of working time, so a case received at
        # 10:00 with one working day is due at 10:00 on the next working day.
        per_unit = self._office_day if duration.unit == "working_days" else timedelta(hours=1)
        return self._add_working(start.astimezone(self.tz), duration.amount * per_unit)

    def working_spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The stretches of working time between two instants, in order, in UTC.

        In `calendar_days` mode all time is working time: one span.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if end <= start:
            return []
        if self.mode == "calendar_days":
            return [(start.astimezone(UTC), end.astimezone(UTC))]
        spans: list[tuple[datetime, datetime]] = []
        day = start.astimezone(self.tz).date()
        while day <= end.astimezone(self.tz).date():
            if self.is_working_day(day):
                for opens, closes in self.office_hours:
                    begin = max(datetime.combine(day, opens, tzinfo=self.tz), start)
                    stop = min(datetime.combine(day, closes, tzinfo=self.tz), end)
                    if begin < stop:
                        spans.append((begin.astimezone(UTC), stop.astimezone(UTC)))
            day += timedelta(days=1)
        return spans

    def _add_working(self, local: datetime, remaining: timedelta) -> datetime:
        if remaining <= timedelta():
            return local.astimezone(UTC)
        day = local.date()
        for _ in range(_MAX_DAYS_SCANNED):
            if self.is_working_day(day):
                for opens, closes in self.office_hours:
                    # Same-zone arithmetic is wall-clock, which is what office hours mean.
                    begin = max(datetime.combine(day, opens, tzinfo=self.tz), local)
                    end = datetime.combine(day, closes, tzinfo=self.tz)
                    if begin >= end:
                        continue
                    if remaining <= end - begin:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= end - begin
            day += timedelta(days=1)
        raise ValueError(f"no working time within {_MAX_DAYS_SCANNED} days of {local.isoformat()}")

    def _note_fallback(self, year: int) -> None:
        with self._lock:
            if year in self.fallback_years:
                return
            self.fallback_years.add(year)
        log.warning(
            "no statutory calendar or operator holiday entries for %d; "
            "assuming Monday to Friday are working days",
            year,
        )


def load_holidays(path: Path) -> dict[date, bool]:
    """Read an operator holiday file: date -> True for a holiday, False for a make-up workday."""
    try:
        return _parse_holidays(read_yaml(path))
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None


def _parse_holidays(data: object) -> dict[date, bool]:
    if data is None:
        return {}
    if not isinstance(data, Mapping) or set(data) - {"years"}:
        raise PolicyError("expected a mapping with the single key 'years'")
    years = data.get("years") or {}
    if not isinstance(years, Mapping):
        raise PolicyError("years: expected a mapping of year to holidays/workdays")
    result: dict[date, bool] = {}
    for year, entry in years.items():
        key = f"years.{year}"
        if isinstance(year, bool) or not isinstance(year, int | str) or not str(year).isdigit():
            raise PolicyError(f"{key}: the year must be an integer such as 2027")
        entry = entry or {}
        if not isinstance(entry, Mapping) or set(entry) - {"holidays", "workdays"}:
            raise PolicyError(f"{key}: expected a mapping with 'holidays' and/or 'workdays'")
        for field, is_holiday in (("holidays", True), ("workdays", False)):
            days = entry.get(field) or []
            if not isinstance(days, list):
                raise PolicyError(f"{key}.{field}: expected a list of YYYY-MM-DD dates")
            for raw in days:
                day = _as_date(raw, f"{key}.{field}")
                if day.year != int(year):
                    raise PolicyError(f"{key}.{field}: {day} is not in {year}")
                if result.get(day, is_holiday) != is_holiday:
                    raise PolicyError(f"{key}: {day} is both a holiday and a workday")
                result[day] = is_holiday
    return result


def _as_date(raw: object, key: str) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise PolicyError(f"{key}: expected a YYYY-MM-DD date, got {raw!r}") from None


def _since_midnight(clock: time) -> timedelta:
    return timedelta(hours=clock.hour, minutes=clock.minute, seconds=clock.second)
