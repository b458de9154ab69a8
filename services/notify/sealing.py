"""Phone numbers in notify: sealed to be sent to, indexed to be counted and found, masked
to be shown. The process's Sealer comes from MINHU_PII_KEYS / MINHU_PII_INDEX_KEY."""

from __future__ import annotations

import functools
from typing import Any

from services.common.pii import Caller, Sealer, masked
from services.common.settings import CommonSettings


@functools.cache
def default_sealer() -> Sealer:
    """Built once from the environment (local keys when unset; production refuses those)."""
    return Sealer.from_settings(CommonSettings())


def sms_recipient(phone: str, sealer: Sealer | None = None) -> dict[str, Any]:
    """The delivery-log columns of an SMS to a number: masked, sealed, blind index."""
    sealer = sealer or default_sealer()
    return {
        "recipient": masked(phone),
        "recipient_sealed": sealer.seal(Caller(phone=phone)),
        "recipient_ref": sealer.index(phone) or None,
    }


def sealed_phone(phone: str, sealer: Sealer | None = None) -> tuple[str, str | None]:
    """(sealed, blind index) of a number, as callers and replies keep it."""
    sealer = sealer or default_sealer()
    return sealer.seal(Caller(phone=phone)), sealer.index(phone) or None
