"""Notify's app: the case-event consumer, the delivery API, probes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.common.errors import install_error_handlers
from services.common.events import Topic
from services.common.plumbing import Plumbing
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes
from services.notify import store
from services.notify.api import router
from services.notify.consumer import Notifier
from services.notify.domain import Templates
from services.notify.settings import NotifySettings

TOPICS = (Topic.DISPATCHED, Topic.SLA, Topic.ACTION, Topic.CLOSED)


def create_app(common: CommonSettings, own: NotifySettings) -> FastAPI:
    """The notify service; templates load once at start and fail loudly if invalid."""
    templates = Templates.from_file(own.templates_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="minhu-notify",
            probe_topic=Topic.NOTIFY_SENT,
            database=own.database,
            outbox=store.outbox,
        )
        assert plumbing.relay is not None
        plumbing.consume(
            own.group, TOPICS, Notifier(plumbing.sessions, plumbing.relay, templates, own.group)
        )
        app.state.sessions = plumbing.sessions
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()

    app = FastAPI(title="Minhu notify", version="1", lifespan=lifespan)
    install_error_handlers(app)
    add_ops_routes(app, lambda: app.state.checks)
    app.include_router(router)
    return app
