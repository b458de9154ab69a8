"""Async database engine, sessions, start-up wait and Alembic migrations."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from services.common.logging import get_logger

log = get_logger(__name__)
MIGRATIONS_ENV = Path(__file__).parent / "migrations"


# A pooled connection idle longer than this is pinged before it is handed out again.
PING_AFTER_IDLE = 10.0


def make_engine(
    url: str, *, pool_size: int = 20, ping_after: float = PING_AFTER_IDLE
) -> AsyncEngine:
    """An asyncpg engine sized for one service process, whose pool hands out live connections.

    SQLAlchemy's pre-ping costs three round trips (BEGIN, a ping, ROLLBACK) at every
    checkout, as many as a small transaction's own. Here a connection is pinged only when
    it sat idle longer than `ping_after`; one the driver already knows closed is replaced
    without asking, and one that broke in between fails its statement, which invalidates
    the pool, and the caller's retry (consumers retry database errors) gets a fresh one.
    """
    # A consumer applies many partitions' batches at once: a pool smaller than that opens
    # and closes a connection (a new PostgreSQL backend) for each batch above it.
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=10)
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _idle_from(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _alive(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        raw = getattr(dbapi_connection, "_connection", None)
        if raw is not None and raw.is_closed():
            raise DisconnectionError("connection closed while pooled")
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since > ping_after:
            try:
                dbapi_connection.ping()
            except Exception as exc:
                raise DisconnectionError("pooled connection does not answer") from exc

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    """Sessions that keep loaded values usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def command_sessions(url: str) -> AsyncIterator[async_sessionmaker]:  # type: ignore[type-arg]
    """Sessions for a command-line tool: one connection, disposed of when the block ends."""
    engine = make_engine(url, pool_size=1)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def wait_for_database(engine: AsyncEngine, *, timeout: float = 60.0) -> None:
    """Block until the database answers, so a service can start before PostgreSQL does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return
        except Exception as exc:  # any connection failure means "not yet"
            if time.monotonic() > deadline:
                raise
            log.info("database not ready", error=str(exc))
            await asyncio.sleep(1.0)


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def alembic_config(url: str, versions: Path, metadata: MetaData) -> Config:
    """Alembic config for one service: shared env.py, the service's own versions folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_ENV))
    cfg.set_main_option("version_locations", str(versions))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["target_metadata"] = metadata
    return cfg


def migrate(url: str, versions: Path, metadata: MetaData) -> None:
    """Apply every migration of the service up to head (run before the event loop starts)."""
    command.upgrade(alembic_config(url, versions, metadata), "head")
