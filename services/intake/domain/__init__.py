"""Intake's rules: valid cases, case numbers, repeat calls, rate limits. No I/O here."""

from services.intake.domain.model import (
    CASE_NO_PATTERN,
    CHANNELS,
    Channel,
    body_fingerprint,
    case_number,
    is_valid_phone,
    local_day,
    normalise_phone,
    valid_position,
)
from services.intake.domain.ratelimit import RateLimiter
from services.intake.domain.repeats import REPEAT_WINDOW, Matter, OpenCase, find_repeat

__all__ = [
    "CASE_NO_PATTERN",
    "CHANNELS",
    "REPEAT_WINDOW",
    "Channel",
    "Matter",
    "OpenCase",
    "RateLimiter",
    "body_fingerprint",
    "case_number",
    "find_repeat",
    "is_valid_phone",
    "local_day",
    "normalise_phone",
    "valid_position",
]
