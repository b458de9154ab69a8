"""Dispatch's app: the case.received consumer, the queue API and UI, probes."""

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
from services.dispatch import store
from services.dispatch.actions import SlaGateway
from services.dispatch.api import router
from services.dispatch.consumer import Dispatcher
from services.dispatch.domain import Classifier, Directory, RoutingPolicy
from services.dispatch.settings import DispatchSettings

STATIC = Path(__file__).parent / "static"


def create_app(common: CommonSettings, own: DispatchSettings) -> FastAPI:
    """The dispatch service; policies load once at start and fail loudly if invalid."""
    classifier = Classifier.from_file(own.lexicon_file)
    directory = Directory.from_file(own.directory_file)
    policy = RoutingPolicy.from_file(own.routing_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="minhu-dispatch",
            probe_topic=Topic.DISPATCHED,
            database=own.database,
            outbox=store.outbox,
        )
        assert plumbing.relay is not None
        dispatcher = Dispatcher(
            plumbing.sessions, plumbing.relay, classifier, directory, policy, own.group
        )
        plumbing.consume(own.group, (Topic.RECEIVED,), dispatcher)
        app.state.sessions = plumbing.sessions
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()
            await app.state.sla.aclose()

    app = FastAPI(title="Minhu dispatch", version="1", lifespan=lifespan)
    app.state.directory = directory
    app.state.sla = SlaGateway(common.sla_url)
    install_error_handlers(app)
    add_ops_routes(app, lambda: app.state.checks)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def queue_ui() -> FileResponse:
        return FileResponse(STATIC / "queue.html")

    return app
