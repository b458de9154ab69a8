"""Remaining working time on the queue: counted on sla's spans, shown in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.desk.ui.html import due_cell, remaining
from services.desk.worktime import WorkTime, WorkTimeSource
from services.desk.worktime.model import CLOCK, UNKNOWN, WORKING, annotate_clock_time
from services.sla.calendar_api import bases
from services.sla.domain import WorkingCalendar, load_policy
from services.sla.domain.policy import DEFAULT_POLICY_PATH

SH = ZoneInfo("Asia/Shanghai")
OFFICE_DAY = timedelta(hours=7, minutes=30)


def sh(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def sla_answer(start: datetime, end: datetime) -> dict[str, Any]:
    """What sla's /v1/calendar/working-time returns, built from sla's own calendar."""
    cal = WorkingCalendar()
    return {
        "office_day_seconds": int(cal.office_day.total_seconds()),
        "spans": [[a.isoformat(), b.isoformat()] for a, b in cal.working_spans(start, end)],
        "bases": bases(load_policy(DEFAULT_POLICY_PATH)),
    }


@pytest.fixture
def wt() -> WorkTime:
    window = (sh(9, 1), sh(12, 31))
    return WorkTime.from_json(sla_answer(*window), window)


def row(due: datetime, **extra: Any) -> dict[str, Any]:
    return {"due": due, "state": "accepted", "difficulty": "general", "urgent": False, **extra}


def test_friday_evening_to_monday_morning_is_an_hour_of_work(wt: WorkTime) -> None:
    # Friday 17:00 → Monday 10:00: one hour on Friday, one on Monday; the weekend is free.
    assert wt.between(sh(11, 20, 17), sh(11, 23, 10)) == timedelta(hours=2)
    assert wt.between(sh(11, 23, 10), sh(11, 20, 17)) == -timedelta(hours=2)


def test_nights_lunch_and_holidays_do_not_count(wt: WorkTime) -> None:
    assert wt.between(sh(11, 23, 11), sh(11, 23, 14)) == timedelta(hours=1, minutes=30)
    assert wt.between(sh(9, 30, 18), sh(10, 8, 9)) == timedelta()


def test_left_counts_working_time_for_ordinary_and_clock_time_for_urgent(wt: WorkTime) -> None:
    now = sh(11, 21, 22)  # Saturday night
    due = sh(11, 23, 11)
    assert wt.left(row(due), now) == timedelta(hours=2)
    urgent = row(due, urgent=True)
    assert wt.basis(urgent) == CLOCK
    assert wt.left(urgent, now) == due - now
    assert wt.left(row(due, difficulty="simple", state="dispatched"), now) == timedelta(hours=2)


def test_overdue_counts_working_time_since_the_deadline(wt: WorkTime) -> None:
    left = wt.left(row(sh(11, 20, 17)), sh(11, 23, 10))
    assert left == -timedelta(hours=2)


def test_beyond_the_window_time_counts_as_clock_time(wt: WorkTime) -> None:
    inside = wt.between(sh(12, 31) - timedelta(hours=1), sh(12, 31))
    assert wt.between(sh(12, 31), sh(12, 31, 5)) == timedelta(hours=5)
    assert wt.between(sh(8, 31, 20), sh(9, 1)) == timedelta(hours=4)
    assert inside == timedelta()  # New Year's Eve 23:00 is not office time


@pytest.mark.parametrize(
    ("left", "basis", "text"),
    [
        (OFFICE_DAY * 2 + timedelta(hours=3), WORKING, "剩余 2个工作日3小时"),
        (OFFICE_DAY * 30, WORKING, "剩余 30个工作日"),
        (timedelta(hours=1, minutes=5), WORKING, "剩余 1小时5分"),
        (-timedelta(minutes=42), WORKING, "已超时 42分"),
        (timedelta(days=1, hours=2), CLOCK, "剩余 1天2小时"),
        (-(OFFICE_DAY + timedelta(hours=1)), WORKING, "已超时 1个工作日1小时"),
    ],
)
def test_remaining_text(left: timedelta, basis: str, text: str) -> None:
    assert remaining(left, basis, OFFICE_DAY) == text


def test_cell_carries_what_the_browser_needs_and_says_how_it_counts(wt: WorkTime) -> None:
    rows = [row(sh(11, 23, 11)), row(sh(11, 21, 21), urgent=True)]
    wt.annotate(rows, sh(11, 21, 22))
    ordinary, urgent = due_cell(rows[0]), due_cell(rows[1])
    assert 'data-basis="working"' in ordinary and 'data-left="7200"' in ordinary
    assert "剩余 2小时0分" in ordinary and "按工作时间计" in ordinary
    assert 'class="remain late"' in urgent and "按自然时间计" in urgent
    assert "已超时 1小时0分" in urgent


def test_without_sla_the_cell_says_it_falls_back_to_clock_time() -> None:
    rows = [row(sh(11, 23, 11))]
    annotate_clock_time(rows, sh(11, 23, 10))
    cell = due_cell(rows[0])
    assert rows[0]["time_basis"] == UNKNOWN and "工作日历暂不可用" in cell
    assert "剩余 1小时0分" in cell


def test_export_gives_spans_around_now_in_epoch_ms(wt: WorkTime) -> None:
    now = sh(11, 23, 10)  # Monday
    out = wt.export(now, timedelta(days=1), timedelta(days=1))
    ms = [[a / 1000, b / 1000] for a, b in out["spans"]]
    # A day back from Monday 10:00 is Sunday: the first span is Monday morning, whole.
    assert ms[0] == [sh(11, 23, 9).timestamp(), sh(11, 23, 12).timestamp()]
    assert out["from"] == int(sh(11, 22, 10).timestamp() * 1000)
    assert len(out["spans"]) == 3 and out["office_day"] == 27000
    # From Sunday, a day back and two ahead: only Monday's spans count.
    before = wt.export(sh(11, 22, 10), timedelta(days=1), timedelta(days=2))
    assert before["spans"][0][0] == int(sh(11, 23, 9).timestamp() * 1000)


class FakeSla:
    def __init__(self) -> None:
        self.calls = 0
        self.up = True

    async def working_time(self, start: datetime, end: datetime) -> dict[str, Any] | None:
        self.calls += 1
        return sla_answer(start, end) if self.up else None


async def test_source_caches_and_keeps_the_last_copy_when_sla_is_down() -> None:
    sla = FakeSla()
    source = WorkTimeSource(sla)
    now = datetime(2026, 11, 23, 2, tzinfo=UTC)
    first = await source.get(now)
    assert first is not None and await source.get(now + timedelta(minutes=5)) is first
    assert sla.calls == 1
    sla.up = False
    assert await source.get(now + timedelta(hours=2)) is first  # stale but better than none
    assert sla.calls == 2
    assert await source.get(now + timedelta(hours=2, seconds=10)) is first
    assert sla.calls == 2  # no hammering a down sla


async def test_source_gives_none_before_any_answer() -> None:
    sla = FakeSla()
    sla.up = False
    assert await WorkTimeSource(sla).get() is None
