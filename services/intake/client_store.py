"""API clients of intake: who they are, the hash of their key, their scopes and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.access import DEMO_CLIENT, DEMO_KEY, SCOPES, key_hash
from services.intake.store import metadata, utcnow

# The test suites share the demo client: it gets room for their bursts.
DEMO_BURST, DEMO_PER_MINUTE = 400, 1200.0

api_clients = sa.Table(
    "api_clients",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scopes", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    # Per-client rate (requests per minute, burst); None: the service's default.
    sa.Column("per_minute", sa.Float, nullable=True),
    sa.Column("burst", sa.Integer, nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
)


@dataclass(frozen=True)
class Client:
    """One API client as stored (never its key)."""

    client_id: str
    name: str
    scopes: tuple[str, ...]
    per_minute: float | None
    burst: int | None
    created_at: datetime
    disabled_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> Client:
        return cls(
            client_id=row.client_id,
            name=row.name,
            scopes=tuple(row.scopes or ()),
            per_minute=row.per_minute,
            burst=row.burst,
            created_at=row.created_at,
            disabled_at=row.disabled_at,
        )


class ClientExists(Exception):
    """A client with this id is already registered."""


async def add_client(
    session: AsyncSession,
    *,
    client_id: str,
    name: str,
    key: str,
    scopes: list[str],
    per_minute: float | None = None,
    burst: int | None = None,
) -> None:
    """Register a client under the hash of its key."""
    stmt = (
        insert(api_clients)
        .values(
            client_id=client_id,
            name=name,
            key_hash=key_hash(key),
            scopes=scopes,
            per_minute=per_minute,
            burst=burst,
        )
        .on_conflict_do_nothing()
        .returning(api_clients.c.client_id)
    )
    if (await session.execute(stmt)).first() is None:
        raise ClientExists(client_id)


async def find_by_key(session: AsyncSession, *, key: str) -> Client | None:
    """The enabled client holding this key, or None."""
    row = (
        await session.execute(
            sa.select(api_clients).where(
                api_clients.c.key_hash == key_hash(key), api_clients.c.disabled_at.is_(None)
            )
        )
    ).first()
    return Client.of(row) if row else None


async def list_clients(session: AsyncSession) -> list[Client]:
    """Every client, enabled or not, oldest first."""
    rows = await session.execute(sa.select(api_clients).order_by(api_clients.c.created_at))
    return [Client.of(r) for r in rows]


async def disable_client(session: AsyncSession, *, client_id: str) -> bool:
    """Disable a client now; False when there is no such enabled client."""
    result = await session.execute(
        sa.update(api_clients)
        .where(api_clients.c.client_id == client_id, api_clients.c.disabled_at.is_(None))
        .values(disabled_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


async def seed_demo(session: AsyncSession) -> None:
    """The demo client of local and test profiles: key minhu-demo, every scope.

    Re-enabled and given every scope at each start, so the documented key always works
    on a local stack; never called in production.
    """
    stmt = insert(api_clients).values(
        client_id=DEMO_CLIENT,
        name="演示客户端（仅本地与测试环境）",
        key_hash=key_hash(DEMO_KEY),
        scopes=list(SCOPES),
        per_minute=DEMO_PER_MINUTE,
        burst=DEMO_BURST,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[api_clients.c.client_id],
            set_={
                "key_hash": stmt.excluded.key_hash,
                "scopes": stmt.excluded.scopes,
                "per_minute": stmt.excluded.per_minute,
                "burst": stmt.excluded.burst,
                "disabled_at": None,
            },
        )
    )
