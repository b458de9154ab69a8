"""Intake's rules: what a valid case is and how case numbers look. No I/O here."""

from services.intake.domain.model import (
    CASE_NO_PATTERN,
    CHANNELS,
    Channel,
    case_number,
    is_valid_phone,
    local_day,
)

__all__ = ["CASE_NO_PATTERN", "CHANNELS", "Channel", "case_number", "is_valid_phone", "local_day"]
