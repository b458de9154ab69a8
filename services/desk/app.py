"""The desk (工作台): the case record, the queue UI, search, reports and the situation map.

Its consumer group reads every case topic; each event becomes a record entry and folds
into the board in one transaction. Commands go on to sla and dispatch over HTTP, as the
signed-in user; the desk itself decides nothing about a case.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.common.errors import install_error_handlers
from services.common.events import Topic
from services.common.jurisdiction import Directory
from services.common.plumbing import Plumbing
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes, service_access, services_only
from services.desk import training
from services.desk.api import router as record_api
from services.desk.board.live import LiveHub
from services.desk.board.projector import BoardProjector
from services.desk.board.sync import SlaRefresher
from services.desk.record.writer import People, Recorder
from services.desk.settings import DeskSettings
from services.desk.slagateway import SlaGateway
from services.desk.ui import api, casepage, clock, pages, reports, search, situation
from services.desk.ui.auth import Sessions
from services.desk.ui.context import Ui
from services.desk.ui.users import Users
from services.desk.worktime import WorkTimeSource

STATIC = Path(__file__).parent / "static"
VENDOR = Path(__file__).parent / "static" / "vendor"
TOPICS = (
    Topic.RECEIVED,
    Topic.DISPATCHED,
    Topic.SLA,
    Topic.ACTION,
    Topic.CLOSED,
    Topic.NOTIFY_SENT,
)


def create_app(common: CommonSettings, own: DeskSettings) -> FastAPI:
    """The desk service; the directory and the users load at start and fail loudly."""
    directory = Directory.from_file(own.directory_file)
    users = Users.from_file(own.users_file, {u.id for u in directory.units})
    people = People({u.username: (u.name, u.unit_id) for u in users.by_name.values()})
    board = BoardProjector(directory)
    sla = SlaGateway(common.sla_url, headers=common.service_headers("desk"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common, client_id="minhu-desk", probe_topic=Topic.CLOSED, database=own.database
        )
        live = LiveHub(common.database_url(own.database))
        peers = httpx.AsyncClient(timeout=5.0, headers=common.service_headers("desk"))
        app.state.ui = Ui(
            directory=directory,
            sla=sla,
            live=live,
            peers=peers,
            dispatch_url=common.dispatch_url.rstrip("/"),
            worktime=WorkTimeSource(sla),
        )
        plumbing.consume(own.group, TOPICS, Recorder(plumbing.sessions, board, people))
        plumbing.run(
            "board-sla-refresh",
            SlaRefresher(plumbing.sessions, common.sla_url, common.service_headers("desk")).run,
        )
        plumbing.run("board-live", live.run)
        app.state.sessions = plumbing.sessions
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()
            await peers.aclose()
            await sla.aclose()

    app = FastAPI(title="Minhu desk", version="1", lifespan=lifespan)
    app.state.directory = directory
    app.state.ui_sessions = Sessions(
        own.secret, users, hours=own.session_hours, secure=own.cookie_secure
    )
    install_error_handlers(app)
    add_ops_routes(app, lambda: app.state.checks)
    service_access(app, common)
    guard = services_only()
    app.include_router(record_api, dependencies=guard)
    app.include_router(training.router, dependencies=services_only("dispatch"))
    vendor = own.vendor_dir or VENDOR
    vendor.mkdir(parents=True, exist_ok=True)
    app.mount("/static/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages, casepage, situation, search, reports, api, clock):
        app.include_router(module.router)
    return app
