"""Reading and writing people's head flag, backup and away (the desk's `users` table)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.desk.identity.tables import users
from services.desk.people.rules import Member

u = users.c


def _member(row: Any) -> Member:
    return Member(
        username=row.username,
        name=row.name,
        unit_id=row.unit_id,
        role=row.role,
        head=row.unit_head,
        backup=row.backup,
        away=row.away,
        active=row.active,
    )


def _select() -> sa.Select[Any]:
    return sa.select(u.username, u.name, u.unit_id, u.role, u.unit_head, u.backup, u.away, u.active)


async def team(session: AsyncSession, unit_id: str) -> list[Member]:
    """Everyone of a unit, by name."""
    rows = await session.execute(_select().where(u.unit_id == unit_id).order_by(u.username))
    return [_member(r) for r in rows]


async def everyone(session: AsyncSession) -> list[Member]:
    """Every account, by unit then name."""
    rows = await session.execute(_select().order_by(u.unit_id, u.username))
    return [_member(r) for r in rows]


async def member(session: AsyncSession, username: str) -> Member | None:
    """One person, or None."""
    row = (await session.execute(_select().where(u.username == username))).first()
    return None if row is None else _member(row)


async def set_flags(session: AsyncSession, username: str, **values: Any) -> bool:
    """Set unit_head, backup or away; False if there is no such person."""
    done = await session.execute(sa.update(users).where(u.username == username).values(**values))
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def set_heads(session: AsyncSession, usernames: list[str]) -> None:
    """Make these people heads of their units (demo seeding)."""
    if usernames:
        await session.execute(
            sa.update(users).where(u.username.in_(usernames)).values(unit_head=True)
        )
