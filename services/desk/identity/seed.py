"""Demo accounts for local, dev and test-* environments (never production), from a file."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from services.common.access.roles import ROLES
from services.common.logging import get_logger
from services.desk.identity import store
from services.desk.identity.passwords import hash_off_loop
from services.desk.people.store import set_heads
from services.desk.ui.users import User

log = get_logger(__name__)
DEMO_USERS = Path(__file__).resolve().parent.parent / "ui" / "demo_users.yaml"
DEMO_PASSWORD = "minhu-demo"


def read(path: Path | None, known_units: set[str]) -> list[User]:
    """The accounts of a seed file, checked: known roles, units that exist."""
    path = path or DEMO_USERS
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        raise ValueError(f"{path}: expected a mapping with a 'users' list")
    out = []
    for i, entry in enumerate(data["users"]):
        user = User(
            str(entry["username"]), str(entry["name"]), str(entry["unit_id"]), str(entry["role"])
        )
        if user.role not in ROLES:
            raise ValueError(f"{path}: users[{i}] has unknown role {user.role!r}")
        if user.unit_id not in known_units:
            raise ValueError(f"{path}: users[{i}] names unknown unit {user.unit_id!r}")
        out.append(user)
    return out


def read_heads(path: Path | None) -> list[str]:
    """The accounts a seed file marks as their unit's head (`head: true`)."""
    data = yaml.safe_load((path or DEMO_USERS).read_text(encoding="utf-8"))
    return [str(u["username"]) for u in data["users"] if u.get("head")]


async def seed(sessions: Any, people: list[User], *, heads: Collection[str] = ()) -> int:
    """Add the accounts that are absent (password `minhu-demo`), those in `heads` as their
    unit's head; how many were added."""
    hashed = await hash_off_loop(DEMO_PASSWORD)  # one hash for all: start-up stays quick
    added = 0
    async with sessions() as db, db.begin():
        new = []
        for user in people:
            if await store.add(db, user, hashed, if_absent=True):
                new.append(user.username)
        added = len(new)
        # Only accounts added now: a head flag an admin took away stays off.
        await set_heads(db, [u for u in new if u in heads])
    if added:
        log.warning("demo accounts added", count=added, password_hint="see README")
    return added
