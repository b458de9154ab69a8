from datetime import UTC, datetime, time, timedelta

import pytest

from services.notify.domain.schedule import Backoff, QuietHours, RetrySchedule, still_needed

QUIET = QuietHours()


@pytest.mark.parametrize(
    ("utc", "release"),
    [
        ("2026-11-22T14:30:00", "2026-11-23T00:00:00"),  # 22:30 local: next morning 08:00
        ("2026-11-22T22:59:00", "2026-11-23T00:00:00"),  # 06:59 local: 08:00 the same day
        ("2026-11-23T00:00:00", "2026-11-23T00:00:00"),  # 08:00 local: at once
        ("2026-11-22T13:59:00", "2026-11-22T13:59:00"),  # 21:59 local: at once
    ],
)
def test_citizen_sms_waits_out_the_night(utc: str, release: str) -> None:
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert QUIET.not_before(now, urgent=False) == datetime.fromisoformat(release).replace(
        tzinfo=UTC
    )


def test_an_urgent_case_is_texted_at_night() -> None:
    night = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # midnight local
    assert QUIET.not_before(night, urgent=True) == night


def test_a_span_that_starts_where_it_ends_is_never_quiet() -> None:
    never = QuietHours(start=time(0, 0), end=time(0, 0))
    for hour in range(24):
        at = datetime(2026, 11, 22, hour, 30, tzinfo=UTC)
        assert never.not_before(at, urgent=False) == at


def test_backoff_doubles_up_to_its_cap_then_gives_up() -> None:
    b = Backoff(base_seconds=2, cap_seconds=5, max_attempts=4)
    waits = [b.after(n) for n in range(1, 5)]
    assert waits == [timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=5), None]


def test_a_retry_schedule_reads_its_waits_and_gives_up_after_the_last() -> None:
    s = RetrySchedule.parse("30s, 2m,1h")
    assert [s.after(n) for n in (1, 2, 3, 4)] == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(hours=1),
        None,
    ]
    assert s.span == timedelta(hours=1, minutes=2, seconds=30)


@pytest.mark.parametrize("text", ["", "30", "0s", "5d", "x m", "-1m"])
def test_a_retry_schedule_refuses_what_is_no_wait(text: str) -> None:
    with pytest.raises(ValueError, match="not a wait"):
        RetrySchedule.parse(text)


def test_the_default_schedule_spans_hours() -> None:
    from services.notify.settings import NotifySettings

    span = RetrySchedule.parse(NotifySettings().retry_schedule).span
    assert span >= timedelta(hours=6)


@pytest.mark.parametrize(
    ("template", "closed", "needed"),
    [
        ("citizen_received", False, True),
        ("citizen_received", True, False),
        ("citizen_callback_survey", True, False),
        ("handler_new_case", True, False),
        ("supervisor_duty_supervised", True, False),
        ("citizen_resolved", True, True),  # the result is owed
        ("citizen_resolved_survey", True, True),
        ("citizen_survey_thanks", True, True),
    ],
)
def test_a_closed_case_needs_only_its_result_and_answers(
    template: str, closed: bool, needed: bool
) -> None:
    assert still_needed(template, case_closed=closed) is needed
