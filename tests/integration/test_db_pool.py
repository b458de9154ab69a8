"""The services' pool hands out live connections without pinging each one at checkout: a
connection the server ended while it was pooled is replaced, the caller never sees it."""

from __future__ import annotations

import asyncio

import asyncpg
import sqlalchemy as sa

from services.common.db import make_engine
from tests.support import StackAddresses


def _url(stack: StackAddresses) -> str:
    return (
        f"postgresql+asyncpg://minhu:{stack.pg_password}@{stack.pg_host}:"
        f"{stack.pg_port}/minhu_notify"
    )


async def _backend(engine: sa.ext.asyncio.AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


async def _end(stack: StackAddresses, pid: int) -> None:
    admin = await asyncpg.connect(stack.dsn("minhu_notify"))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_connection_ended_while_pooled_is_replaced(stack: StackAddresses) -> None:
    for ping_after in (0.0, 3600.0):  # pinged because idle, and noticed closed without one
        engine = make_engine(_url(stack), pool_size=1, ping_after=ping_after)
        try:
            first = await _backend(engine)
            await _end(stack, first)
            await asyncio.sleep(0.5)  # the driver sees the server close the socket
            second = await _backend(engine)
            assert second != first
        finally:
            await engine.dispose()
