"""Notify's app: the case-event consumer, the deliverer, the delivery API, inbox push and
the receiver of operations alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.common.errors import install_error_handlers
from services.common.events import Topic
from services.common.plumbing import Plumbing
from services.common.runtime import migration
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes, service_access
from services.notify import store, wiring
from services.notify.alerts import AlertmanagerToken
from services.notify.alerts import router as alerts_router
from services.notify.api import router
from services.notify.consumer import Notifier
from services.notify.deliver import Deliverer
from services.notify.domain import Templates
from services.notify.live import Inbox
from services.notify.pseudonymise import periodic
from services.notify.replies import GatewayKey, ReplyWorker
from services.notify.replies import router as provider_router
from services.notify.settings import NotifySettings

# case.received tells notify who the caller is (and triggers the receipt SMS).
TOPICS = (Topic.RECEIVED, Topic.DISPATCHED, Topic.SLA, Topic.ACTION, Topic.CLOSED)


def create_app(common: CommonSettings, own: NotifySettings) -> FastAPI:
    """The notify service; templates load once at start and fail loudly if invalid."""
    templates = Templates.from_file(own.templates_file)
    channels = wiring.channels(own)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="minhu-notify",
            probe_topic=Topic.NOTIFY_SENT,
            database=own.database,
            outbox=store.outbox,
            migrate=migration(app),
        )
        assert plumbing.relay is not None
        deliverer = Deliverer(
            plumbing.sessions,
            plumbing.relay,
            channels,
            wiring.retry_schedule(own),
            quiet=wiring.quiet_hours(own),
        )
        notifier = Notifier(
            plumbing.sessions,
            plumbing.relay,
            templates,
            own.group,
            context=wiring.context(own),
            quiet=wiring.quiet_hours(own),
            wake=deliverer.wake,
            sms=wiring.wants_sms(own),
            cap=wiring.sms_cap(own),
        )
        plumbing.consume(own.group, TOPICS, notifier)
        plumbing.run("deliverer", deliverer.run)
        if wiring.wants_sms(own):
            # Citizens' replies to the survey come back through the same gateway.
            app.state.replies = ReplyWorker(
                plumbing.sessions,
                templates,
                common.sla_url,
                common.service_headers("notify"),
                wiring.reply_backoff(own),
                wake_deliverer=deliverer.wake,
                cap=wiring.sms_cap(own),
            )
            plumbing.run("replies", app.state.replies.run)
        plumbing.run("pseudonymise", periodic(plumbing.sessions, own).run)
        app.state.inbox = Inbox(common.database_url(own.database))
        plumbing.run("inbox", app.state.inbox.run)
        app.state.sessions = plumbing.sessions
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()
            for channel in channels.values():
                close = getattr(channel, "aclose", None)
                if close is not None:
                    await close()

    app = FastAPI(title="Minhu notify", version="1", lifespan=lifespan)
    install_error_handlers(app)
    add_ops_routes(app, lambda: app.state.checks)
    service_access(app, common)
    # The SMS provider's callbacks show the gateway key, not a service token.
    app.state.authenticators.append(GatewayKey(own.sms_gateway_key or ""))
    # Alertmanager's webhook shows its own bearer credential.
    app.state.authenticators.append(AlertmanagerToken(own.alertmanager_token or ""))
    # Each route names its callers (services/notify/api.py, replies.py).
    app.include_router(router)
    app.include_router(provider_router)
    app.include_router(alerts_router)
    return app
