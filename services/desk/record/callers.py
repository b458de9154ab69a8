"""A case's caller as stored (sealed), as shown (masked) and as read in full (audited).

Pure: a Sealer opens the stored token; nothing here touches the database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from services.common import pii
from services.desk.record.entries import Caller

# What a pseudonymised caller holds instead of its sealed data and blind index: a random
# marker per case, so no two of a person's old cases can be linked any more.
PSEUDONYM_PREFIX = "pseudonym:"


def pseudonym() -> str:
    """A fresh marker for a pseudonymised caller."""
    return PSEUDONYM_PREFIX + secrets.token_hex(16)


def stored(caller: Caller, sealer: pii.Sealer) -> tuple[str, str]:
    """(caller_sealed, caller_ref) to store: an older event's plain data is sealed here."""
    if caller.plain is not None and not caller.sealed:
        return sealer.seal(caller.plain), sealer.index(caller.plain.phone)
    return caller.sealed, caller.ref


def is_pseudonymised(row: dict[str, Any]) -> bool:
    """Whether a stored caller was pseudonymised after its retention."""
    return row.get("pseudonymised_at") is not None or str(row.get("caller_sealed", "")).startswith(
        PSEUDONYM_PREFIX
    )


def full(row: dict[str, Any], sealer: pii.Sealer) -> pii.Caller:
    """The caller's name and number in full ('' for anonymous or pseudonymised callers).

    Personal data: only for PHONE_ROLES, and only after the read is written to the audit.
    """
    sealed = str(row.get("caller_sealed") or "")
    if not sealed or is_pseudonymised(row):
        return pii.Caller()
    return sealer.open(sealed)


@dataclass(frozen=True)
class Shown:
    """The caller as every page, export and API answer shows it: masked."""

    name: str
    phone: str
    anonymous: bool
    callback_consent: bool
    pseudonymised: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "caller_name": self.name,
            "caller_phone": self.phone,
            "anonymous": self.anonymous,
            "callback_consent": self.callback_consent,
            "pseudonymised": self.pseudonymised,
        }


def shown(row: dict[str, Any], sealer: pii.Sealer) -> Shown:
    """The caller masked: 张* and 138****0000; unreadable sealed data shows as nothing."""
    try:
        caller = full(row, sealer)
    except pii.Unreadable:
        caller = pii.Caller()
    return Shown(
        name=pii.masked_name(caller.name),
        phone=pii.masked(pii.normalise_phone(caller.phone) if caller.phone else ""),
        anonymous=bool(row.get("anonymous")),
        callback_consent=bool(row.get("callback_consent")),
        pseudonymised=is_pseudonymised(row),
    )
