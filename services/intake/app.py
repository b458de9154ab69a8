"""Intake's app: API, Open311, operator console, outbox relay, closure consumer, probes."""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from services.common.errors import field_errors, install_error_handlers
from services.common.events import Topic
from services.common.plumbing import Plumbing
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes
from services.intake import store
from services.intake.api import router
from services.intake.consumer import CaseCloser
from services.intake.domain import RateLimiter
from services.intake.guards import BodyGuard
from services.intake.open311.api import Open311Error, error_reply
from services.intake.open311.api import router as open311_router
from services.intake.open311.render import fmt_of
from services.intake.pseudonymise import Pseudonymiser
from services.intake.settings import IntakeSettings
from services.intake.timeline import Peers

STATIC = Path(__file__).parent / "static"


def _install_open311_errors(app: FastAPI) -> None:
    """Open311 paths answer errors in the spec's format; others keep intake's own."""
    common_validation = app.exception_handlers[RequestValidationError]

    @app.exception_handler(Open311Error)
    async def _open311(request: Request, exc: Open311Error) -> Response:
        return error_reply(fmt_of(request.url.path), exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if not request.url.path.startswith("/open311/"):
            answer = common_validation(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        problems = [f"{e['field']}：{e['message']}" for e in field_errors(exc)]
        return error_reply(fmt_of(request.url.path), Open311Error(400, *problems))


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
        plumbing.consume("intake", (Topic.CLOSED,), CaseCloser(plumbing.sessions))
        plumbing.run("pseudonymise", Pseudonymiser(plumbing.sessions, own).run)
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()

    app = FastAPI(
        title="Minhu intake",
        version="1",
        lifespan=lifespan,
        description=(
            f"受理诉求（REST 与 Open311 GeoReport v2）。请求体上限 {own.max_body_bytes} 字节，"
            "超出返回 413；非 UTF-8 内容返回 422；同一接线员或 API 密钥提交过频返回 429。"
        ),
    )
    app.state.peers = Peers.from_settings(common)
    app.state.intake_settings = own
    app.state.operator_limiter = RateLimiter(
        per_minute=own.operator_per_minute, burst=own.operator_burst, clock=time.monotonic
    )
    app.state.api_key_limiter = RateLimiter(
        per_minute=own.api_key_per_minute, burst=own.api_key_burst, clock=time.monotonic
    )
    install_error_handlers(app)
    _install_open311_errors(app)
    add_ops_routes(app, lambda: app.state.checks)
    app.include_router(router)
    app.include_router(open311_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyGuard, max_bytes=own.max_body_bytes)

    @app.get("/", include_in_schema=False)
    async def console() -> FileResponse:
        return FileResponse(STATIC / "console.html")

    return app
