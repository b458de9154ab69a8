"""Wires the queue UI and its board into the dispatch app."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.common.events import Topic
from services.common.plumbing import Plumbing
from services.common.settings import CommonSettings
from services.dispatch.board.live import LiveHub
from services.dispatch.board.projector import BoardProjector
from services.dispatch.board.sync import SlaRefresher
from services.dispatch.domain import Directory
from services.dispatch.settings import DispatchSettings
from services.dispatch.ui import api, clock, pages, situation
from services.dispatch.ui.auth import Sessions
from services.dispatch.ui.context import Ui
from services.dispatch.ui.settings import UiSettings
from services.dispatch.ui.users import Users
from services.dispatch.worktime import WorkTimeSource

BOARD_GROUP = "board"
BOARD_TOPICS = (Topic.DISPATCHED, Topic.SLA, Topic.ACTION, Topic.CLOSED)


def install(app: FastAPI, common: CommonSettings, directory: Directory) -> None:
    """Routes and sessions; users load at start and a bad users file stops the service."""
    settings = UiSettings()
    users = Users.from_file(settings.users_file, {u.id for u in directory.units})
    app.state.ui_sessions = Sessions(
        settings.secret, users, hours=settings.session_hours, secure=settings.cookie_secure
    )
    app.include_router(pages.router)
    app.include_router(situation.router)
    app.include_router(api.router)
    app.include_router(clock.router)


def start(app: FastAPI, plumbing: Plumbing, common: CommonSettings, own: DispatchSettings) -> None:
    """The board's consumer group, its sla refresher and the live hub (inside the lifespan)."""
    directory: Directory = app.state.directory
    live = LiveHub(common.database_url(own.database))
    app.state.ui = Ui(
        directory=directory,
        sla=app.state.sla,
        live=live,
        peers=httpx.AsyncClient(timeout=5.0, headers=common.service_headers()),
        intake_url=common.intake_url.rstrip("/"),
        dispatch_url=common.dispatch_url.rstrip("/"),
        worktime=WorkTimeSource(app.state.sla),
    )
    plumbing.consume(BOARD_GROUP, BOARD_TOPICS, BoardProjector(plumbing.sessions, directory))
    plumbing.run(
        "board-sla-refresh",
        SlaRefresher(plumbing.sessions, common.sla_url, common.service_headers()).run,
    )
    plumbing.run("board-live", live.run)


async def stop(app: FastAPI) -> None:
    """Close the UI's HTTP client."""
    ui: Ui | None = getattr(app.state, "ui", None)
    if ui is not None:
        await ui.peers.aclose()
