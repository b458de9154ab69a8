"""Channels, caller phone numbers and case numbers a citizen can note down over the phone."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

CENTRE_TZ = ZoneInfo("Asia/Shanghai")


class Channel(StrEnum):
    """Where a case came from."""

    PHONE = "phone"
    WEB = "web"
    WECHAT = "wechat"
    APP = "app"
    GRID_PATROL = "grid_patrol"
    HOME_VISIT = "home_visit"
    OPEN311 = "open311"


CHANNELS = tuple(c.value for c in Channel)

# Mainland mobile (11 digits starting 13–19) or landline with area code (010-12345678).
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
# 8-digit local date + 6-digit daily sequence: 20261121000042.
CASE_NO_PATTERN = r"^\d{14}$"


def is_valid_phone(value: str) -> bool:
    """True for a mainland mobile number or a landline with its area code."""
    digits = value.replace(" ", "")
    return bool(_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits))


def local_day(now: datetime) -> date:
    """The centre's calendar day of an instant (case numbers follow local dates)."""
    return now.astimezone(CENTRE_TZ).date()


def case_number(day: date, seq: int) -> str:
    """Date plus a six-digit daily sequence, read out to the caller digit by digit."""
    if not 0 < seq < 1_000_000:
        raise ValueError(f"daily sequence {seq} out of range")
    return f"{day:%Y%m%d}{seq:06d}"


def normalise_phone(value: str) -> str:
    """The stored form of a number: spaces dropped, the landline hyphen kept as typed."""
    return value.replace(" ", "")


def body_fingerprint(fields: Mapping[str, Any]) -> str:
    """A stable digest of a request's validated fields, to tell a retry from another request."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def valid_position(latitude: float | None, longitude: float | None) -> bool:
    """Both or neither coordinate given, and within the earth's ranges."""
    if latitude is None and longitude is None:
        return True
    if latitude is None or longitude is None:
        return False
    return -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0


# C0 controls except tab, newline and carriage return, plus DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_chars(value: str | None) -> bool:
    """True when text carries invisible control characters (never typed by a person)."""
    return value is not None and _CONTROL.search(value) is not None
