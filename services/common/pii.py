"""Callers' personal data: sealed at rest and in events, found by a blind index, masked.

Sealing is Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under MultiFernet, so
keys rotate: put a new key first in MINHU_PII_KEYS, re-seal what is stored (each service's
`rotate` command), then drop the old key. The blind index is an HMAC of the normalised
number under its own key: equal numbers give equal indexes, the index gives no number back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

LOCAL_KEY_SEED = "minhu-local-pii"


def local_keys() -> list[str]:
    """The local profile's well-known sealing key (refused in production)."""
    digest = hashlib.sha256(f"{LOCAL_KEY_SEED}-seal".encode()).digest()
    return [base64.urlsafe_b64encode(digest).decode()]


def local_index_key() -> str:
    """The local profile's well-known blind-index key (refused in production)."""
    return hashlib.sha256(f"{LOCAL_KEY_SEED}-index".encode()).hexdigest()


def new_key() -> str:
    """A fresh sealing key, for MINHU_PII_KEYS."""
    return Fernet.generate_key().decode()


class Unreadable(ValueError):
    """A sealed value no configured key opens (wrong keys, or tampered)."""


def normalise_phone(phone: str) -> str:
    """Digits only, without a +86/0086 prefix: the form the blind index is taken of."""
    digits = re.sub(r"\D", "", phone)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


@dataclass(frozen=True)
class Caller:
    """What is sealed about a caller: name and number (either may be empty)."""

    name: str = ""
    phone: str = ""


class Sealer:
    """Seals and opens callers' data and takes the blind index of a phone number."""

    def __init__(self, keys: list[str], index_key: str) -> None:
        if not keys:
            raise ValueError("at least one sealing key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self._index_key = index_key.encode()

    @classmethod
    def from_settings(cls, settings: Any) -> Sealer:
        """From CommonSettings (pii_keys, pii_index_key), local defaults when unset."""
        return cls(settings.pii_keys or local_keys(), settings.pii_index_key or local_index_key())

    def seal(self, caller: Caller) -> str:
        """The caller as one Fernet token (text)."""
        raw = json.dumps({"n": caller.name, "p": caller.phone}, ensure_ascii=False).encode()
        return self._fernet.encrypt(raw).decode()

    def open(self, token: str) -> Caller:
        """The caller a token holds; Unreadable if no key opens it."""
        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError) as exc:
            raise Unreadable(
                "sealed caller data cannot be opened with the configured keys"
            ) from exc
        return Caller(name=str(data.get("n", "")), phone=str(data.get("p", "")))

    def reseal(self, token: str) -> str:
        """The same data sealed under the newest key (key rotation)."""
        return self._fernet.rotate(token.encode()).decode()

    def index(self, phone: str) -> str:
        """The blind index of a number ('' for no number)."""
        digits = normalise_phone(phone)
        if not digits:
            return ""
        return hmac.new(self._index_key, digits.encode(), hashlib.sha256).hexdigest()


def masked(phone: str) -> str:
    """A number as 138****0000 (short ones wholly hidden); empty stays empty."""
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def masked_name(name: str) -> str:
    """A name as 张* / 欧阳** : the surname kept, the rest hidden."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


# Mainland mobile numbers and landlines with an area code, as they appear in free text.
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def scrub(text: str) -> str:
    """Free text with every phone number in it masked (for logs and public answers)."""
    return _PHONE_IN_TEXT.sub(lambda m: masked(re.sub(r"\D", "", m.group(1))), text)
