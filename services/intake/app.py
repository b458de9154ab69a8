"""Intake's app: API, operator console, outbox relay, probes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from services.common.errors import install_error_handlers
from services.common.events import Topic
from services.common.plumbing import Plumbing
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes
from services.intake import store
from services.intake.api import router
from services.intake.settings import IntakeSettings
from services.intake.timeline import Peers

STATIC = Path(__file__).parent / "static"


def create_app(common: CommonSettings, own: IntakeSettings) -> FastAPI:
    """The intake service; the lifespan owns the engine, the producer and the relay."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="minhu-intake",
            probe_topic=Topic.RECEIVED,
            database=own.database,
            outbox=store.outbox,
        )
        app.state.sessions, app.state.relay = plumbing.sessions, plumbing.relay
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()

    app = FastAPI(title="Minhu intake", version="1", lifespan=lifespan)
    app.state.peers = Peers.from_settings(common)
    install_error_handlers(app)
    add_ops_routes(app, lambda: app.state.checks)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def console() -> FileResponse:
        return FileResponse(STATIC / "console.html")

    return app
