"""Working spans: the calendar's answer to other services counting remaining working time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.sla.calendar_api import bases
from services.sla.domain import WorkingCalendar, load_policy
from services.sla.domain.policy import DEFAULT_POLICY_PATH

SH = ZoneInfo("Asia/Shanghai")


def sh(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def total(spans: list[tuple[datetime, datetime]]) -> timedelta:
    return sum((b - a for a, b in spans), timedelta())


def test_a_working_day_has_its_office_hours_without_lunch() -> None:
    spans = WorkingCalendar().working_spans(sh(11, 23), sh(11, 24))  # Monday
    assert spans == [
        (sh(11, 23, 9).astimezone(UTC), sh(11, 23, 12).astimezone(UTC)),
        (sh(11, 23, 13, 30).astimezone(UTC), sh(11, 23, 18).astimezone(UTC)),
    ]


def test_spans_are_cut_at_the_ends_of_the_range() -> None:
    spans = WorkingCalendar().working_spans(sh(11, 23, 11), sh(11, 23, 14))
    assert total(spans) == timedelta(hours=1, minutes=30)


def test_weekend_and_national_day_have_none_but_the_make_up_saturday_does() -> None:
    cal = WorkingCalendar()
    assert cal.working_spans(sh(11, 21), sh(11, 23)) == []  # Saturday and Sunday
    assert cal.working_spans(sh(10, 1), sh(10, 8)) == []  # National Day holidays
    assert total(cal.working_spans(sh(10, 10), sh(10, 11))) == cal.office_day  # 调休 Saturday


def test_spans_agree_with_how_deadlines_are_added() -> None:
    cal = WorkingCalendar()
    policy = load_policy(DEFAULT_POLICY_PATH)
    start = sh(9, 30, 16)
    due = cal.add(start, policy.difficulties["general"].resolve)  # five working days
    assert total(cal.working_spans(start, due)) == 5 * cal.office_day


def test_calendar_days_mode_is_one_span_and_empty_ranges_are_empty() -> None:
    cal = WorkingCalendar(mode="calendar_days")
    assert cal.working_spans(sh(11, 21), sh(11, 22)) == [
        (sh(11, 21).astimezone(UTC), sh(11, 22).astimezone(UTC))
    ]
    assert cal.working_spans(sh(11, 22), sh(11, 21)) == []
    assert cal.office_day == timedelta(days=1)


def test_bases_say_urgent_deadlines_run_on_the_clock() -> None:
    b = bases(load_policy(DEFAULT_POLICY_PATH))
    assert b["urgent"] == {"accept": "clock", "resolve": "clock"}
    assert b["simple"] == {"accept": "working", "resolve": "working"}
    assert set(b) == {"simple", "general", "complex", "legacy", "urgent"}
