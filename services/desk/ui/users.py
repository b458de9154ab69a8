"""The person a page is for: who, which unit, which role (accounts: services/desk/identity)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.common.access.roles import ROLE_LABELS, ROLES

__all__ = ["ROLES", "ROLE_LABELS", "User"]


@dataclass(frozen=True)
class User:
    """One account as the pages see it."""

    username: str
    name: str
    unit_id: str
    role: str
    # Kept for callers that construct users positionally; the desk never fills it in
    # (hashes stay in the database, see services/desk/identity/store.py).
    password_hash: str = field(default="", repr=False, compare=False)
