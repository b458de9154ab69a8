"""Dispatch's app: the case.received consumer, classification, routing, bounce and its API.

The queue UI lives in the desk service; people who open dispatch's address are sent there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import yaml
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse

from services.common.access import public
from services.common.errors import install_error_handlers
from services.common.events import Topic
from services.common.plumbing import Plumbing
from services.common.runtime import migration
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes, service_access
from services.dispatch import store
from services.dispatch.api import router
from services.dispatch.api_casework import router as casework_router
from services.dispatch.api_model import router as model_router
from services.dispatch.casework import CaseWork
from services.dispatch.consumer import Dispatcher
from services.dispatch.domain import Directory, RoutingPolicy
from services.dispatch.domain.bounce import BouncePolicy
from services.dispatch.domain.hotspot import HotspotPolicy
from services.dispatch.domain.hybrid import HybridClassifier
from services.dispatch.learning.live import LiveModels
from services.dispatch.learning.versions import ModelStore
from services.dispatch.publish import Policies
from services.dispatch.settings import DispatchSettings

HANDLING = Path(__file__).parent / "policy" / "handling.yaml"
# Pages the queue UI served from dispatch's address before it moved to the desk.
UI_PATHS = ("/", "/login", "/queue", "/map", "/manual", "/cases/{case_no}")


def load_handling(path: Path | None) -> dict[str, Any]:
    """The bounce/arbitration/hotspot policy file as parsed YAML."""
    data = yaml.safe_load((path or HANDLING).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path or HANDLING}: top level must be a mapping")
    return data


def create_app(common: CommonSettings, own: DispatchSettings) -> FastAPI:
    """The dispatch service; policies load once at start and fail loudly if invalid."""
    models = LiveModels(
        HybridClassifier.load(own.lexicon_file),
        ModelStore(own.model_dir) if own.model_dir else None,
    )
    models.refresh()  # the promoted version from the first case on
    policies = Policies(
        Directory.from_file(own.directory_file), RoutingPolicy.from_file(own.routing_file)
    )
    handling = load_handling(own.handling_file)
    bounce_policy = BouncePolicy.from_dict(handling)
    hotspots = HotspotPolicy.from_dict(handling)
    if own.surge_mode is not None:
        hotspots = dataclasses.replace(hotspots, surge=own.surge_mode)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="minhu-dispatch",
            probe_topic=Topic.DISPATCHED,
            database=own.database,
            outbox=store.outbox,
            migrate=migration(app),
        )
        assert plumbing.relay is not None
        casework = CaseWork(
            plumbing.sessions, plumbing.relay, models, policies, bounce_policy, own.group
        )
        dispatcher = Dispatcher(
            plumbing.sessions, plumbing.relay, models, policies, hotspots, casework, own.group
        )
        plumbing.consume(own.group, (Topic.RECEIVED, Topic.ACTION), dispatcher)
        app.state.casework = casework
        if models.store is not None:
            plumbing.run("model-watch", models.watch)
        app.state.sessions = plumbing.sessions
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()

    app = FastAPI(title="Minhu dispatch", version="1", lifespan=lifespan)
    app.state.directory, app.state.policies = policies.directory, policies
    app.state.models, app.state.common = models, common
    install_error_handlers(app)
    add_ops_routes(app, lambda: app.state.checks)
    service_access(app, common)
    # Each route names its calling services (services/dispatch/api*.py).
    app.include_router(router)
    app.include_router(casework_router)
    app.include_router(model_router)

    desk = common.desk_url.rstrip("/")

    async def queue_ui_moved(request: Request) -> RedirectResponse:
        """The queue UI moved to the desk; old bookmarks of dispatch's address still work."""
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{desk}{request.url.path}{query}", status_code=308)

    for path in UI_PATHS:
        # Public: the redirect only names the desk's address; the desk signs people in.
        app.add_api_route(
            path,
            queue_ui_moved,
            methods=["GET"],
            include_in_schema=False,
            dependencies=[Depends(public())],
        )

    return app
