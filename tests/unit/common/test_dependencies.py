"""A service answers while its dependencies are down: /healthz at once, /readyz 503 naming
what is down, and routes that need a missing dependency 503 with Retry-After and Chinese
words; a dependency that answers later is connected without a restart."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from services.common.access import public
from services.common.dependencies import Dependency, DependencyDown
from services.common.errors import BUSY, install_error_handlers
from services.common.plumbing import Plumbing
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes

ANYONE = [Depends(public())]


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RefusedOrig(Exception):
    """What asyncpg's adaptor raises when the server is gone (no SQLSTATE)."""


class UndefinedTable(Exception):
    sqlstate = "42P01"


def failing_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    failures: dict[str, Exception] = {
        "down": DependencyDown("temporal"),
        "refused": DBAPIError("INSERT", {}, RefusedOrig("connection refused")),
        "pool": PoolTimeout("QueuePool limit of size 10 overflow 20 reached"),
        "connect": ConnectionRefusedError(111, "Connect call failed"),
        "shutdown": DBAPIError("INSERT", {}, asyncpg.AdminShutdownError("terminating")),
        "bug": ProgrammingError("SELECT", {}, UndefinedTable("no such table")),
    }

    @app.post("/cases/{how}", dependencies=ANYONE)
    async def write(how: str) -> dict[str, str]:
        raise failures[how]

    return app


@pytest.mark.parametrize(
    ("how", "dependency"),
    [
        ("down", "temporal"),
        ("refused", "postgres"),
        ("pool", "postgres"),
        ("shutdown", "postgres"),
        ("connect", None),  # asyncpg's refused connection names no server
    ],
)
async def test_a_dependency_down_answers_503_with_retry_after_in_chinese(
    how: str, dependency: str | None
) -> None:
    transport = httpx.ASGITransport(app=failing_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.post(f"/cases/{how}")
    assert resp.status_code == 503
    assert int(resp.headers["retry-after"]) > 0
    named = {"dependency": dependency} if dependency else {}
    assert resp.json() == {"code": "unavailable", "message": BUSY, **named}
    assert "稍后重试" in resp.json()["message"]


async def test_a_database_error_that_is_a_bug_stays_a_500() -> None:
    transport = httpx.ASGITransport(app=failing_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.post("/cases/bug")
    assert resp.status_code == 500


async def test_a_dependency_connects_on_a_later_attempt_and_is_then_up() -> None:
    dep = Dependency("kafka", max_wait=0.05)
    tries: list[int] = []

    async def attempt() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise ConnectionRefusedError("not yet")
        return "connected"

    with pytest.raises(DependencyDown, match="kafka"):
        dep.require()
    assert await asyncio.wait_for(dep.connect(attempt), timeout=10) == "connected"
    assert len(tries) == 3
    dep.require()  # up now


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_a_service_whose_kafka_and_database_are_down_starts_and_is_not_ready() -> None:
    common = CommonSettings(
        kafka_bootstrap=f"127.0.0.1:{closed_port()}", pg_port=closed_port(), pg_host="127.0.0.1"
    )
    migrated: list[bool] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="test",
            probe_topic="case.received",
            database="minhu_test",
            migrate=lambda: migrated.append(True),
        )
        plumbing.once_up("seed", lambda: asyncio.sleep(0))
        app.state.checks = plumbing.checks()
        app.state.sessions = plumbing.sessions
        try:
            yield
        finally:
            await plumbing.stop()

    app = FastAPI(lifespan=lifespan)
    install_error_handlers(app)
    add_ops_routes(app, lambda: app.state.checks)

    @app.get("/things", dependencies=ANYONE)
    async def things() -> list[str]:
        async with app.state.sessions() as session:
            await session.execute(sa.text("SELECT 1"))
        return []

    async with asyncio.timeout(30), served(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["retry-after"]
        body = ready.json()
        assert body["status"] == "not ready"
        assert {"kafka", "postgres", "start-up"} <= set(body["down"])
        assert body["checks"]["start-up"].endswith("seed")
        resp = await client.get("/things")
        assert resp.status_code == 503, resp.text
        assert resp.json()["message"] == BUSY
    assert migrated == []  # never run against a database that did not answer


async def test_the_probes_never_ask_who_calls() -> None:
    app = FastAPI()
    install_error_handlers(app)
    add_ops_routes(app, lambda: {})

    async def keys_in_a_database_that_is_down(request: object) -> None:
        raise ConnectionRefusedError(111, "Connect call failed")

    app.state.authenticators = [keys_in_a_database_that_is_down]
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": "a key the database would be asked about"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for probe in ("/healthz", "/readyz", "/metrics"):
            assert (await client.get(probe, headers=headers)).status_code == 200, probe
