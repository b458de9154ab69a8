"""Reading and writing accounts, sessions and failed logins (one database session each)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.desk.identity.tables import login_failures, sessions, users
from services.desk.ui.users import User

# last_seen is written at most this often per session (a page load is not worth a write).
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Account:
    """One row of `users`, the hash included (never shown, never leaves the desk)."""

    user: User
    active: bool
    password_hash: str
    created_at: datetime
    password_changed_at: datetime


@dataclass(frozen=True)
class Live:
    """A valid session: whose it is and the CSRF token its requests must carry."""

    user: User
    csrf: str
    session_id: str


def token_id(token: str) -> str:
    """What the database keeps of a session token (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _account(row: Any) -> Account:
    return Account(
        user=User(row.username, row.name, row.unit_id, row.role),
        active=row.active,
        password_hash=row.password_hash,
        created_at=row.created_at,
        password_changed_at=row.password_changed_at,
    )


async def account(session: AsyncSession, username: str) -> Account | None:
    """The account of this name, active or not."""
    row = (await session.execute(sa.select(users).where(users.c.username == username))).first()
    return None if row is None else _account(row)


async def accounts(session: AsyncSession) -> list[Account]:
    """Every account, by role then name."""
    rows = await session.execute(sa.select(users).order_by(users.c.role, users.c.username))
    return [_account(r) for r in rows]


async def add(
    session: AsyncSession, user: User, password_hash: str, *, if_absent: bool = False
) -> bool:
    """Create an account; False if the name is taken (raise unless `if_absent`)."""
    stmt = insert(users).values(
        username=user.username,
        name=user.name,
        unit_id=user.unit_id,
        role=user.role,
        password_hash=password_hash,
    )
    if if_absent:
        done = await session.execute(
            stmt.on_conflict_do_nothing(index_elements=["username"]).returning(users.c.username)
        )
        return done.first() is not None
    await session.execute(stmt)
    return True


async def change(session: AsyncSession, username: str, **values: Any) -> bool:
    """Update an account's name, unit, role or active flag; False if there is no such one."""
    done = await session.execute(
        sa.update(users).where(users.c.username == username).values(**values)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def set_password(
    session: AsyncSession, username: str, password_hash: str, now: datetime
) -> bool:
    """A new password hash; every session of the account ends with it."""
    if not await change(session, username, password_hash=password_hash, password_changed_at=now):
        return False
    await revoke_all(session, username, now)
    return True


async def start(
    session: AsyncSession, username: str, address: str, now: datetime, lifetime: timedelta
) -> tuple[str, str]:
    """A new session: (the cookie's token, the CSRF token). Only the token's hash is kept."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await session.execute(
        sa.insert(sessions).values(
            id=token_id(token),
            username=username,
            csrf=csrf,
            created_at=now,
            last_seen=now,
            expires_at=now + lifetime,
            address=address[:64],
        )
    )
    return token, csrf


async def live(session: AsyncSession, token: str, now: datetime, idle: timedelta) -> Live | None:
    """The session of a cookie token if it is neither revoked, expired, idle nor disabled."""
    sid = token_id(token)
    row = (
        await session.execute(
            sa.select(sessions.c.csrf, sessions.c.last_seen, users)
            .join(users, users.c.username == sessions.c.username)
            .where(
                sessions.c.id == sid,
                sessions.c.revoked_at.is_(None),
                sessions.c.expires_at > now,
                sessions.c.last_seen > now - idle,
                users.c.active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    if now - row.last_seen >= SEEN_EVERY:
        await session.execute(sa.update(sessions).where(sessions.c.id == sid).values(last_seen=now))
    return Live(User(row.username, row.name, row.unit_id, row.role), row.csrf, sid)


async def revoke(session: AsyncSession, token: str, now: datetime) -> None:
    """End one session (logout)."""
    await session.execute(
        sa.update(sessions)
        .where(sessions.c.id == token_id(token), sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_all(session: AsyncSession, username: str, now: datetime) -> int:
    """End every session of an account; how many were open."""
    done = await session.execute(
        sa.update(sessions)
        .where(sessions.c.username == username, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


async def failures(session: AsyncSession, kind: str, key: str, since: datetime) -> list[datetime]:
    """When this name or address failed to log in since then."""
    rows = await session.execute(
        sa.select(login_failures.c.at).where(
            login_failures.c.kind == kind, login_failures.c.key == key, login_failures.c.at > since
        )
    )
    return [r.at for r in rows]


async def fail(session: AsyncSession, keys: list[tuple[str, str]], now: datetime) -> None:
    """Note one failed login against each (kind, key)."""
    await session.execute(
        sa.insert(login_failures), [{"kind": k, "key": v[:128], "at": now} for k, v in keys]
    )


async def forget(
    session: AsyncSession, kind: str, key: str, before: datetime | None = None
) -> None:
    """Drop a key's failures (all of them, or those older than `before`)."""
    where = [login_failures.c.kind == kind, login_failures.c.key == key]
    if before is not None:
        where.append(login_failures.c.at < before)
    await session.execute(sa.delete(login_failures).where(*where))


async def prune(session: AsyncSession, now: datetime, keep: timedelta) -> None:
    """Forget failures and ended sessions nobody needs any more."""
    await session.execute(sa.delete(login_failures).where(login_failures.c.at < now - keep))
    await session.execute(
        sa.delete(sessions).where(sessions.c.expires_at < now - timedelta(days=30))
    )
