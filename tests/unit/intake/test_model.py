import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.intake.domain.model import (
    CASE_NO_PATTERN,
    case_number,
    is_valid_phone,
    local_day,
)


@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "14512345678",
        "15912345678",
        "16612345678",
        "17712345678",
        "18612345678",
        "19912345678",
        "138 0013 8000",
    ],
)
def test_mainland_mobiles_are_valid(phone: str) -> None:
    assert is_valid_phone(phone)


@pytest.mark.parametrize(
    "phone",
    ["010-12345678", "01012345678", "0755-12345678", "075512345678", "0571-8765432"],
)
def test_landlines_with_an_area_code_are_valid(phone: str) -> None:
    assert is_valid_phone(phone)


@pytest.mark.parametrize(
    "phone",
    [
        "12345678901",  # no mobile prefix starts with 12
        "10012345678",
        "1380013800",  # one digit short
        "138001380001",  # one digit long
        "1380013800a",
        "phone",
        "",
        "12345678",  # landline without its area code
        "010-123456",
        "+8613800138000",
    ],
)
def test_other_numbers_are_invalid(phone: str) -> None:
    assert not is_valid_phone(phone)


def test_case_number_is_the_date_and_a_six_digit_sequence() -> None:
    assert case_number(date(2026, 11, 21), 42) == "20261121000042"
    assert case_number(date(2026, 1, 2), 1) == "20260102000001"
    assert case_number(date(2026, 12, 31), 999_999) == "20261231999999"


@pytest.mark.parametrize("seq", [0, -1, 1_000_000])
def test_case_number_refuses_a_sequence_out_of_range(seq: int) -> None:
    with pytest.raises(ValueError, match=str(seq)):
        case_number(date(2026, 11, 21), seq)


@pytest.mark.parametrize("seq", [1, 42, 999_999])
def test_case_numbers_match_the_published_pattern(seq: int) -> None:
    assert re.fullmatch(CASE_NO_PATTERN, case_number(date(2026, 11, 21), seq))


@pytest.mark.parametrize("case_no", ["2026112100004", "202611210000420", "2026112100004a", ""])
def test_the_pattern_refuses_malformed_case_numbers(case_no: str) -> None:
    assert re.fullmatch(CASE_NO_PATTERN, case_no) is None


def test_evening_in_utc_is_already_tomorrow_in_the_centre() -> None:
    assert local_day(datetime(2026, 11, 21, 20, 0, tzinfo=UTC)) == date(2026, 11, 22)


def test_a_utc_afternoon_stays_on_the_same_local_day() -> None:
    assert local_day(datetime(2026, 11, 21, 15, 59, 59, tzinfo=UTC)) == date(2026, 11, 21)
    assert local_day(datetime(2026, 11, 21, 16, 0, tzinfo=UTC)) == date(2026, 11, 22)


def test_local_day_reads_the_instant_not_the_wall_clock() -> None:
    new_york_noon = datetime(2026, 11, 21, 12, 0, tzinfo=timezone(timedelta(hours=-5)))

    assert local_day(new_york_noon) == date(2026, 11, 22)
