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
from services.common.files.policy import FilePolicy
from services.common.files.scan import EicarScanner
from services.common.files.store import MemoryStore
from services.common.jurisdiction import Directory
from services.common.pii import Sealer
from services.common.plumbing import Plumbing
from services.common.runtime import migration
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes, install_security, service_access, services_only
from services.desk import training
from services.desk.api import router as record_api
from services.desk.board.live import LiveHub
from services.desk.board.projector import BoardProjector
from services.desk.board.sync import SlaRefresher
from services.desk.files.objects import close_store, open_store
from services.desk.files.service import Attachments
from services.desk.identity import seed
from services.desk.identity.api import router as identity_api
from services.desk.identity.service import Identity
from services.desk.identity.sso import CALLBACK, Provider
from services.desk.identity.sso import router as sso_router
from services.desk.identity.web import DeskSessions
from services.desk.people.rules import load_policy
from services.desk.pseudonymise import periodic
from services.desk.record.writer import People, Recorder
from services.desk.settings import DeskSettings
from services.desk.slagateway import SlaGateway
from services.desk.ui import (
    admin,
    api,
    audit,
    caller,
    casepage,
    clock,
    files,
    grid,
    model,
    pages,
    queues,
    reports,
    search,
    situation,
)
from services.desk.ui import people as people_pages
from services.desk.ui.admin import people_of
from services.desk.ui.context import Ui
from services.desk.ui.refusals import refusal_pages
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
    """The desk service; the directory (and any demo accounts) load at start, failing loudly."""
    directory = Directory.from_file(own.directory_file)
    demo = (
        seed.read(own.users_file, {u.id for u in directory.units})
        if own.seeds_demo(common.env)
        else []
    )
    identity = Identity(None, own.policy(common.env))
    heads = seed.read_heads(own.users_file) if demo else []
    people = People()
    board = BoardProjector(directory)
    sla = SlaGateway(common.sla_url, headers=common.service_headers("desk"))
    sealer = Sealer.from_settings(common)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="minhu-desk",
            probe_topic=Topic.CLOSED,
            database=own.database,
            migrate=migration(app),
        )
        identity.sessions = plumbing.sessions
        store = await open_store(own, plumbing.sessions)
        app.state.attachments.store = store

        async def accounts() -> None:
            if demo:
                await seed.seed(plumbing.sessions, demo, heads=heads)
            await identity.prune()
            people.known = people_of(await identity.accounts())

        plumbing.once_up("accounts", accounts)
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
        plumbing.consume(own.group, TOPICS, Recorder(plumbing.sessions, board, people, sealer))
        plumbing.run(
            "board-sla-refresh",
            SlaRefresher(plumbing.sessions, common.sla_url, common.service_headers("desk")).run,
        )
        plumbing.run("board-live", live.run)
        plumbing.run("pseudonymise", periodic(plumbing.sessions, own).run)
        app.state.sessions = plumbing.sessions
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()
            await close_store(store)
            await peers.aclose()
            await sla.aclose()

    app = FastAPI(title="Minhu desk", version="1", lifespan=lifespan)
    app.state.directory = directory
    app.state.identity = identity
    app.state.people = people
    app.state.board = board
    app.state.people_policy = load_policy()
    app.state.sealer = sealer
    # The store opens with the database (large objects) or its bucket, in the lifespan.
    app.state.attachments = Attachments(
        MemoryStore(), EicarScanner(), FilePolicy.from_file(own.files_policy), people
    )
    # A login may go on to a desk page or to intake's console (the cookie reaches both).
    app.state.login_bases = (common.desk_url, common.intake_url)
    # Grid workers' patrol reports are filed at intake by the desk.
    app.state.intake_url = common.intake_url.rstrip("/")
    app.state.sso = own.oidc
    install_error_handlers(app)
    refusal_pages(app)
    install_security(app, common)
    add_ops_routes(app, lambda: app.state.checks)
    service_access(app, common)
    app.state.authenticators.append(DeskSessions(identity))
    app.include_router(record_api, dependencies=services_only())
    app.include_router(identity_api)
    if own.oidc:
        provider = Provider(
            issuer=own.oidc_issuer or "",
            client_id=own.oidc_client_id or "",
            client_secret=own.oidc_client_secret or "",
            redirect_uri=common.desk_url.rstrip("/") + CALLBACK,
        )
        app.include_router(sso_router(provider))
    app.include_router(training.router)
    vendor = own.vendor_dir or VENDOR
    vendor.mkdir(parents=True, exist_ok=True)
    app.mount("/static/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(files.service_router)
    ui_modules = (
        files,
        pages,
        queues,
        casepage,
        caller,
        audit,
        situation,
        search,
        reports,
        api,
        clock,
        admin,
        model,
        grid,
        people_pages,
    )
    for module in ui_modules:
        app.include_router(module.router)
    return app
