"""Working-time calendar: statutory holidays, make-up days, office hours, fallback years."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.sla.domain import (
    DEFAULT_POLICY_PATH,
    Duration,
    PolicyError,
    WorkingCalendar,
    load_holidays,
    load_policy,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def wh(n: int) -> Duration:
    return Duration(n, "working_hours")


def wd(n: int) -> Duration:
    return Duration(n, "working_days")


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def test_national_day_2026_and_its_make_up_days(cal: WorkingCalendar) -> None:
    assert not any(cal.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_working_day(date(2026, 9, 20))  # Sunday, make-up working day
    assert cal.is_working_day(date(2026, 10, 10))  # Saturday, make-up working day
    assert not cal.is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_working_day_deadline_jumps_over_national_day(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 9, 30, 10), wd(1)) == sh(2026, 10, 8, 10)


def test_working_days_count_the_make_up_saturday(cal: WorkingCalendar) -> None:
    # Oct 9 (Fri), Oct 10 (make-up Sat), Oct 12, 13, 14: without 调休 it would be the 15th.
    assert cal.add(sh(2026, 10, 8, 10), wd(5)) == sh(2026, 10, 14, 10)


def test_working_hours_run_into_a_make_up_sunday(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 9, 18, 17), wh(2)) == sh(2026, 9, 20, 10)


def test_working_hours_skip_lunch(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 6, 9, 11), wh(2)) == sh(2026, 6, 9, 14, 30)


def test_working_hours_skip_the_night(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 6, 9, 17), wh(2)) == sh(2026, 6, 10, 10)


def test_received_during_lunch_starts_counting_after_lunch(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 6, 9, 12, 15), wh(1)) == sh(2026, 6, 9, 14, 30)


def test_deadline_may_end_exactly_at_closing_time(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 6, 9, 16), wh(2)) == sh(2026, 6, 9, 18)


def test_friday_evening_plus_two_working_hours_lands_monday(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 6, 5, 19), wh(2)) == sh(2026, 6, 8, 11)


def test_one_working_day_is_same_time_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.office_day.total_seconds() == 7.5 * 3600
    assert cal.add(sh(2026, 6, 9, 10), wd(1)) == sh(2026, 6, 10, 10)
    assert cal.add(sh(2026, 6, 5, 10), wd(1)) == sh(2026, 6, 8, 10)


def test_a_full_office_day_from_opening_ends_at_closing(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 6, 9, 9), wd(1)) == sh(2026, 6, 9, 18)


def test_wall_clock_units_ignore_the_calendar(cal: WorkingCalendar) -> None:
    assert cal.add(sh(2026, 10, 1, 23), Duration(2, "hours")) == sh(2026, 10, 2, 1)
    assert cal.add(sh(2026, 10, 1, 23), Duration(90, "seconds")) == sh(
        2026, 10, 1, 23, 1
    ) + timedelta(seconds=30)
    assert cal.add(sh(2026, 10, 1, 23), Duration(7, "days")) == sh(2026, 10, 8, 23)


def test_result_is_utc(cal: WorkingCalendar) -> None:
    due = cal.add(sh(2026, 6, 9, 10), wh(1))
    assert due.utcoffset() == timedelta(0)
    assert due.hour == 3


def test_naive_start_is_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(datetime(2026, 6, 9, 10), wh(1))


def test_deadline_into_2027_falls_back_to_weekdays_without_raising(
    cal: WorkingCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="services.sla.domain.calendar")
    # Dec 16-18, 21-25, 28-31 (12 days); then Mon-Fri 2027: Jan 1, 4, 5.
    assert cal.add(sh(2026, 12, 15, 10), wd(15)) == sh(2027, 1, 5, 10)
    assert cal.fallback_years == {2027}
    cal.add(sh(2027, 3, 1, 10), wd(3))
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1


def test_years_before_the_package_also_fall_back(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2003, 10, 1))  # a Wednesday, unknown holiday
    assert not cal.is_working_day(date(2003, 10, 4))  # a Saturday
    assert cal.fallback_years == {2003}


def test_operator_holiday_file_is_honoured_for_2027(tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.yaml"
    holidays.write_text(
        "years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: ['2027-01-09']\n",
        encoding="utf-8",
    )
    # The default policy names "holidays.yaml", resolved next to the policy file.
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    cal = WorkingCalendar.from_policy(load_policy(policy_file))
    assert not cal.is_working_day(date(2027, 1, 1))  # a Friday, New Year's Day
    assert cal.is_working_day(date(2027, 1, 9))  # a Saturday, make-up day
    # Dec 16-31 give 12 days; Jan 1 is off, so Jan 4, 5, 6.
    assert cal.add(sh(2026, 12, 15, 10), wd(15)) == sh(2027, 1, 6, 10)
    assert cal.add(sh(2027, 1, 8, 17), wh(2)) == sh(2027, 1, 9, 10)
    assert cal.fallback_years == set()


def test_operator_dates_override_the_package_in_a_known_year() -> None:
    cal = WorkingCalendar(extra_holidays={date(2026, 6, 9): True})
    assert not cal.is_working_day(date(2026, 6, 9))
    assert cal.is_working_day(date(2026, 6, 10))
    assert not cal.is_working_day(date(2026, 10, 1))  # the package still rules other days


def test_calendar_days_mode_is_24x7() -> None:
    cal = WorkingCalendar(mode="calendar_days")
    assert cal.is_working_day(date(2026, 10, 1))
    assert cal.add(sh(2026, 10, 1, 23), wh(2)) == sh(2026, 10, 2, 1)
    assert cal.add(sh(2026, 10, 1, 23), wd(1)) == sh(2026, 10, 2, 23)


def test_shipped_holiday_file_parses() -> None:
    assert load_holidays(DEFAULT_POLICY_PATH.parent / "holidays.yaml") == {}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("years:\n  2027:\n    holidays: ['2027-02-30']\n", "years.2027.holidays"),
        ("years:\n  2027:\n    holidays: [2027-02-30]\n", "not valid YAML"),
        ("years:\n  2027:\n    holidays: [2028-01-01]\n", "years.2027.holidays"),
        ("years:\n  2027:\n    holiday: [2027-01-01]\n", "years.2027"),
        (
            "years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-01-01]\n",
            "years.2027",
        ),
        ("year: {}\n", "years"),
    ],
)
def test_bad_holiday_file_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=key) as info:
        load_holidays(path)
    assert str(path) in str(info.value)


def test_overlapping_office_hours_are_rejected() -> None:
    with pytest.raises(ValueError, match="office_hours"):
        WorkingCalendar(office_hours=[(time(9), time(13)), (time(12), time(18))])


def test_start_in_another_zone_is_read_in_the_calendar_zone(cal: WorkingCalendar) -> None:
    friday_evening_utc = datetime(2026, 6, 5, 11, tzinfo=ZoneInfo("UTC"))  # 19:00 in Shanghai
    assert cal.add(friday_evening_utc, wh(2)) == sh(2026, 6, 8, 11)


def test_far_years_never_raise(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2100, 1, 1))  # a Friday
    assert not cal.is_working_day(date(1999, 10, 2))  # a Saturday
    assert cal.fallback_years == {1999, 2100}
