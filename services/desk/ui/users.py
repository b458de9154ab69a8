"""Queue UI users: a data file of accounts with PBKDF2 password hashes, units and roles.

Hash a password for the file with: python -m services.desk.ui.users '<password>'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

DEMO_USERS = Path(__file__).resolve().parent / "demo_users.yaml"
ROLES = ("handler", "dispatcher", "supervisor", "admin", "auditor")
ROLE_LABELS = {
    "handler": "办理人",
    "dispatcher": "派单员",
    "supervisor": "督办",
    "admin": "管理员",
    "auditor": "审计员",
}
ITERATIONS = 120_000


@dataclass(frozen=True)
class User:
    """One account: who, which unit, which role."""

    username: str
    name: str
    unit_id: str
    role: str
    password_hash: str


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """pbkdf2_sha256$iterations$salt$digest, all text."""
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    b64 = base64.b64encode
    return f"pbkdf2_sha256${ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether a password matches a stored hash (constant-time comparison)."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    got = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    return hmac.compare_digest(got, base64.b64decode(digest))


class Users:
    """The accounts of one users file, by username."""

    def __init__(self, users: list[User]) -> None:
        self.by_name = {u.username: u for u in users}

    @classmethod
    def from_file(cls, path: Path | None, known_units: set[str]) -> Users:
        """Load and check the file: known roles, units that exist in the directory."""
        path = path or DEMO_USERS
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("users"), list):
            raise ValueError(f"{path}: expected a mapping with a 'users' list")
        users = []
        for i, entry in enumerate(data["users"]):
            user = User(
                username=str(entry["username"]),
                name=str(entry["name"]),
                unit_id=str(entry["unit_id"]),
                role=str(entry["role"]),
                password_hash=str(entry["password_hash"]),
            )
            if user.role not in ROLES:
                raise ValueError(f"{path}: users[{i}] has unknown role {user.role!r}")
            if user.unit_id not in known_units:
                raise ValueError(f"{path}: users[{i}] names unknown unit {user.unit_id!r}")
            users.append(user)
        return cls(users)

    def get(self, username: str) -> User | None:
        """The account with this name, or None."""
        return self.by_name.get(username)

    def authenticate(self, username: str, password: str) -> User | None:
        """The account if the password matches, else None."""
        user = self.by_name.get(username)
        if user is None:
            # Spend the same time as a real check, so names cannot be probed by timing.
            verify_password(password, hash_password("x", salt=b"0" * 16))
            return None
        return user if verify_password(password, user.password_hash) else None


if __name__ == "__main__":
    print(hash_password(sys.argv[1]))
