"""Process plumbing shared by the services: supervised background tasks and serving."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import MetaData

from services.common.db import make_engine, migrate, wait_for_database
from services.common.logging import configure_logging, get_logger
from services.common.production import refuse_unsafe_start
from services.common.settings import CommonSettings
from services.common.tracing import configure_tracing

log = get_logger(__name__)
SERVICES_DIR = Path(__file__).resolve().parent.parent


async def supervise(name: str, factory: Callable[[], Awaitable[None]]) -> None:
    """Run a background loop forever, restarting it with backoff if it crashes."""
    delay = 0.5
    while True:
        try:
            await factory()
            log.warning("background task ended", task=name)
            delay = 0.5
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task crashed, restarting", task=name)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Serve the app with uvicorn, logs going through the structured logger."""
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, lifespan="on")


async def cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel background tasks and wait until they have finished unwinding."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _wait(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        await wait_for_database(engine)
    finally:
        await engine.dispose()


def run_service(
    name: str,
    common: CommonSettings,
    *,
    port: int,
    app: Callable[[], FastAPI],
    database: tuple[str, MetaData] | None = None,
    own: object = None,
) -> None:
    """Start a service: logging, then wait for its database and migrate it, then serve.

    `database` is the service's database name and table metadata; its migrations live in
    services/<name>/migrations/versions.
    """
    refuse_unsafe_start(name, common, own)
    configure_logging(name, level=common.log_level, json=common.log_json)
    configure_tracing(name)
    if database is not None:
        db_name, metadata = database
        url = common.database_url(db_name)
        asyncio.run(_wait(url))
        migrate(url, SERVICES_DIR / name / "migrations" / "versions", metadata)
    serve(app(), host=common.host, port=port)
