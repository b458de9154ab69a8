"""Signing in and out: passwords checked off the loop, throttled, server-side sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.common.access.principal import Kind, Principal
from services.desk.identity import store
from services.desk.identity.passwords import hash_off_loop, verify_off_loop
from services.desk.identity.throttle import Throttle
from services.desk.ui.users import User

USER, ADDRESS = "user", "address"


def is_local_env(env: str) -> bool:
    """Whether MINHU_ENV names a developer's or a test stack's environment."""
    return env in ("local", "dev") or env.startswith("test")


@dataclass(frozen=True)
class Policy:
    """How long sessions last and how failed logins are throttled."""

    lifetime: timedelta
    idle: timedelta
    per_user: Throttle
    per_address: Throttle
    secure: bool


@dataclass(frozen=True)
class LoggedIn:
    user: User
    token: str
    csrf: str


@dataclass(frozen=True)
class Refused:
    """A wrong name or password (`locked_until` None), or a lock-out until then."""

    locked_until: datetime | None = None


def principal(found: store.Live) -> Principal:
    """The person of a valid session, as the guards see them."""
    u = found.user
    return Principal(
        Kind.PERSON,
        name=u.username,
        role=u.role,
        unit_id=u.unit_id,
        display_name=u.name,
        csrf=found.csrf,
        session_id=found.session_id,
    )


class Identity:
    """The desk's accounts and sessions over its database."""

    def __init__(self, sessions: Any, policy: Policy) -> None:
        self.sessions = sessions  # async_sessionmaker, set once the database is up
        self.policy = policy

    def _rules(self) -> tuple[Throttle, Throttle]:
        return self.policy.per_user, self.policy.per_address

    async def _locked(self, db: Any, keys: list[tuple[str, str]], now: datetime) -> datetime | None:
        ends = []
        for (kind, key), rule in zip(keys, self._rules(), strict=True):
            until = rule.locked_until(await store.failures(db, kind, key, now - rule.lookback), now)
            if until is not None:
                ends.append(until)
        return max(ends) if ends else None

    async def login(
        self, username: str, password: str, address: str, now: datetime | None = None
    ) -> LoggedIn | Refused:
        """Check a password (the same work for unknown names) unless the name or address is
        locked out; a success starts a session, a failure counts against both."""
        now = now or datetime.now(UTC)
        keys = [(USER, username.lower()), (ADDRESS, address)]
        async with self.sessions() as db:
            locked = await self._locked(db, keys, now)
            account = await store.account(db, username) if locked is None else None
        if locked is not None:
            return Refused(locked)
        usable = account is not None and account.active and bool(account.password_hash)
        ok = await verify_off_loop(password, account.password_hash if usable and account else None)
        async with self.sessions() as db, db.begin():
            if not ok or account is None:
                await store.fail(db, keys, now)
                for (kind, key), rule in zip(keys, self._rules(), strict=True):
                    await store.forget(db, kind, key, before=now - rule.lookback)
                return Refused(await self._locked(db, keys, now))
            await store.forget(db, USER, username.lower())
            token, csrf = await store.start(
                db, account.user.username, address, now, self.policy.lifetime
            )
        return LoggedIn(account.user, token, csrf)

    async def start(self, user: User, address: str) -> LoggedIn:
        """A session for a person whose identity was verified elsewhere (single sign-on)."""
        async with self.sessions() as db, db.begin():
            token, csrf = await store.start(
                db, user.username, address, datetime.now(UTC), self.policy.lifetime
            )
        return LoggedIn(user, token, csrf)

    async def find(self, token: str) -> store.Live | None:
        """The valid session of a cookie token, or None."""
        if not token or len(token) > 128:
            return None
        async with self.sessions() as db, db.begin():
            return await store.live(db, token, datetime.now(UTC), self.policy.idle)

    async def prune(self) -> None:
        """Forget old failed logins and long-ended sessions (at start)."""
        keep = max(self.policy.per_user.lookback, self.policy.per_address.lookback)
        async with self.sessions() as db, db.begin():
            await store.prune(db, datetime.now(UTC), keep)

    async def logout(self, token: str) -> None:
        async with self.sessions() as db, db.begin():
            await store.revoke(db, token, datetime.now(UTC))

    async def set_password(self, username: str, password: str) -> bool:
        """A new password (hashed off the loop); every session of the account ends."""
        hashed = await hash_off_loop(password)
        async with self.sessions() as db, db.begin():
            return await store.set_password(db, username, hashed, datetime.now(UTC))

    async def set_active(self, username: str, active: bool) -> bool:
        """Enable or disable an account; disabling ends its sessions."""
        async with self.sessions() as db, db.begin():
            if not await store.change(db, username, active=active):
                return False
            if not active:
                await store.revoke_all(db, username, datetime.now(UTC))
            return True

    async def add(self, user: User, password: str) -> bool:
        """A new account; False if the name is taken."""
        hashed = await hash_off_loop(password)
        async with self.sessions() as db, db.begin():
            return await store.add(db, user, hashed, if_absent=True)

    async def change(self, username: str, **values: Any) -> bool:
        async with self.sessions() as db, db.begin():
            return await store.change(db, username, **values)

    async def account(self, username: str) -> store.Account | None:
        async with self.sessions() as db:
            return await store.account(db, username)

    async def accounts(self) -> list[store.Account]:
        async with self.sessions() as db:
            return await store.accounts(db)
