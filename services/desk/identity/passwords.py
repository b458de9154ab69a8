"""Password hashes (argon2id through pwdlib), computed off the event loop.

Checking a password costs the same whether or not the account exists: an unknown name is
checked against a dummy hash, so response times do not tell which names are accounts.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_LENGTH = 10


@lru_cache(maxsize=1)
def hasher() -> PasswordHash:
    """argon2id with OWASP's baseline cost (19 MiB, 2 passes, one lane): about 40 ms of one
    core per check, so a burst of logins does not starve the desk's other work. Hashes keep
    their own parameters: raising these later still verifies the older hashes."""
    return PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))


@lru_cache(maxsize=1)
def _dummy() -> str:
    return hasher().hash("minhu-no-such-account")


def hash_password(password: str) -> str:
    """An argon2id hash of a password (blocking: call through `hash_off_loop` on a server)."""
    return hasher().hash(password)


def verify(password: str, stored: str | None) -> bool:
    """Whether the password matches; an absent or unreadable hash costs a check and fails."""
    if not stored:
        hasher().verify(password, _dummy())
        return False
    try:
        return hasher().verify(password, stored)
    except Exception:  # an unreadable hash is a failed check, never a server error
        return False


async def hash_off_loop(password: str) -> str:
    """`hash_password` in a worker thread."""
    return await asyncio.to_thread(hash_password, password)


async def verify_off_loop(password: str, stored: str | None) -> bool:
    """`verify` in a worker thread."""
    return await asyncio.to_thread(verify, password, stored)


def weakness(password: str) -> str | None:
    """Why a new password is refused (Chinese), or None if it will do."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符。"
    if len(set(password)) < 4:
        return "密码过于简单，请混用不同的字母、数字或符号。"
    return None
