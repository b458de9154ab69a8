"""The per-phone cap on citizens' SMS, without servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notify.domain.caps import (
    PER_PHONE_CAP,
    REASON_LABELS,
    SmsCap,
    is_citizen_sms,
)

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_up_to_the_cap_is_sent_and_the_next_one_is_suppressed_with_a_reason() -> None:
    cap = SmsCap(per_hour=5)
    assert all(cap.check(already) is None for already in range(5))
    held = cap.check(5)
    assert held is not None and held.reason == PER_PHONE_CAP
    assert "at most 5" in held.detail
    assert REASON_LABELS[held.reason] == "超出每个号码每小时短信上限，未发送"


def test_the_window_is_the_last_hour() -> None:
    assert SmsCap().since(NOW) == NOW - timedelta(hours=1)


def test_a_cap_that_allows_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        SmsCap(per_hour=0)


def test_only_sms_to_citizens_count_duty_pages_do_not() -> None:
    assert is_citizen_sms("sms", "citizen_received")
    assert is_citizen_sms("sms", "citizen_survey_thanks")
    assert not is_citizen_sms("sms", "handler_duty_urgent_case")
    assert not is_citizen_sms("sms", "supervisor_duty_supervised")
    assert not is_citizen_sms("in_app", "citizen_received")
