"""Process plumbing shared by the services: supervised background tasks and serving."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import MetaData

from services.common.db import migrate
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


def run_service(
    name: str,
    common: CommonSettings,
    *,
    port: int,
    app: Callable[[], FastAPI],
    database: tuple[str, MetaData] | None = None,
    own: object = None,
) -> None:
    """Start a service: logging, then serve; its database is migrated once it answers.

    `database` is the service's database name and table metadata; its migrations live in
    services/<name>/migrations/versions. The lifespan hands `migration(app)` to its
    plumbing, which runs it in the background, so a service starts (and says it is not
    ready) while PostgreSQL is down.
    """
    refuse_unsafe_start(name, common, own)
    configure_logging(name, level=common.log_level, json=common.log_json)
    configure_tracing(name)
    application = app()
    if database is not None:
        db_name, metadata = database
        url = common.database_url(db_name)
        versions = SERVICES_DIR / name / "migrations" / "versions"
        application.state.migrate = lambda: migrate(url, versions, metadata)
    serve(application, host=common.host, port=port)


def migration(app: FastAPI) -> Callable[[], None] | None:
    """The migration `run_service` left for the app's lifespan (None when run otherwise)."""
    return getattr(app.state, "migrate", None)
