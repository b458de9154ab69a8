"""Intake's app: API, Open311, operator console, outbox relay, case-event consumer, probes."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jieba
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from services.common.access import allow
from services.common.access.roles import ADMIN, DISPATCHER, OPERATOR
from services.common.access.services import ServiceTokens
from services.common.errors import field_errors, install_error_handlers
from services.common.events import Topic
from services.common.jurisdiction import Directory
from services.common.logging import get_logger
from services.common.plumbing import Plumbing
from services.common.runtime import migration
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes, install_security
from services.intake import client_store, store
from services.intake.access import ApiKeys, DeskSessions
from services.intake.admission import Admission
from services.intake.api import router
from services.intake.files import router as files_router
from services.intake.follower import follow
from services.intake.guards import BodyGuard
from services.intake.knowledge import store as knowledge_store
from services.intake.knowledge.api import IndexCache
from services.intake.knowledge.api import page_router as knowledge_page
from services.intake.knowledge.api import router as knowledge_router
from services.intake.limits import Limits
from services.intake.lookup import router as lookup_router
from services.intake.open311.api import router as open311_router
from services.intake.open311.errors import Open311Error, error_reply
from services.intake.open311.render import fmt_of
from services.intake.pseudonymise import periodic
from services.intake.settings import IntakeSettings
from services.intake.timeline import Peers

STATIC = Path(__file__).parent / "static"
log = get_logger(__name__)


def local_profile(env: str) -> bool:
    """Local, dev and test-* profiles: the ones that may seed demo credentials."""
    return env in ("local", "dev", "test") or env.startswith("test-")


def _install_open311_errors(app: FastAPI) -> None:
    """Open311 paths answer errors in the spec's format; others keep intake's own."""
    common_validation = app.exception_handlers[RequestValidationError]
    common_http = app.exception_handlers[HTTPException]

    async def _delegate(handler: Any, request: Request, exc: Exception) -> Response:
        answer = handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer  # type: ignore[no-any-return]

    @app.exception_handler(Open311Error)
    async def _open311(request: Request, exc: Open311Error) -> Response:
        return error_reply(fmt_of(request.url.path), exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if not request.url.path.startswith("/open311/"):
            return await _delegate(common_validation, request, exc)
        problems = [f"{e['field']}：{e['message']}" for e in field_errors(exc)]
        return error_reply(fmt_of(request.url.path), Open311Error(400, *problems))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if not request.url.path.startswith("/open311/"):
            return await _delegate(common_http, request, exc)
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
        status = exc.status_code
        if status == 401:
            # The spec answers a missing or invalid api_key with 403.
            status, message = 403, "api_key 无效或缺失：提交诉求需要有 open311:write 权限的密钥"
        else:
            message = str(detail.get("message", ""))
        return error_reply(fmt_of(request.url.path), Open311Error(status, message))


def create_app(common: CommonSettings, own: IntakeSettings) -> FastAPI:
    """The intake service; the lifespan owns the engine, the producer and the relay."""
    desk = DeskSessions(
        common.desk_url, headers=common.service_headers("intake"), ttl=own.session_cache_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="minhu-intake",
            probe_topic=Topic.RECEIVED,
            database=own.database,
            outbox=store.outbox,
            migrate=migration(app),
        )
        app.state.sessions, app.state.relay = plumbing.sessions, plumbing.relay
        sessions = plumbing.sessions
        assert sessions is not None

        async def seed() -> None:
            if own.demo_client and local_profile(common.env):
                async with sessions() as session, session.begin():
                    await client_store.seed_demo(session)
                log.info("demo API client seeded", client="minhu-demo", env=common.env)
            if own.seed_knowledge:
                async with sessions() as session, session.begin():
                    added = await knowledge_store.seed(session, at=store.utcnow())
                if added:
                    log.info("knowledge base seeded", entries=added)

        plumbing.once_up("seed", seed)
        # Load the segmenter's dictionary now, not on an operator's first keystroke.
        await asyncio.to_thread(jieba.initialize)
        if own.follow:
            follow(plumbing)
        plumbing.run("pseudonymise", periodic(plumbing.sessions, own).run)
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await desk.aclose()
            await plumbing.stop()

    app = FastAPI(
        title="Minhu intake",
        version="1",
        lifespan=lifespan,
        description=(
            "受理诉求（REST 与 Open311 GeoReport v2）。接线员在工单台账登录后使用受理台；"
            "其他系统使用 API 密钥（请求头 X-API-Key，Open311 也可用 api_key 参数），"
            "按权限范围 open311:write、cases:write、cases:read 授权。返回内容中的来电号码和"
            f"姓名均已脱敏。请求体上限 {own.max_body_bytes} 字节，超出返回 413；非 UTF-8 内容"
            "返回 422；同一接线员或 API 密钥提交过频、同一地址查询 Open311 过频返回 429"
            "（带 Retry-After）。"
        ),
    )
    app.state.peers = Peers.from_settings(common)
    app.state.directory = Directory.from_file()
    app.state.centre_unit_id = next(
        (u.id for u in app.state.directory.units if u.role == "dispatch_centre"), ""
    )
    app.state.knowledge_index = IndexCache()
    app.state.static_dir = STATIC
    app.state.intake_settings = own
    app.state.desk_url = common.desk_url.rstrip("/")
    app.state.limits = Limits(own)
    app.state.authenticators = [
        desk,
        ApiKeys(
            lambda: app.state.sessions,
            ttl=own.client_cache_seconds,
            refuse_demo=common.production,
        ),
        ServiceTokens.from_settings(common),
    ]
    install_error_handlers(app)
    _install_open311_errors(app)
    install_security(app, common)
    add_ops_routes(app, lambda: app.state.checks)
    app.include_router(router)
    app.include_router(files_router)
    app.include_router(open311_router)
    app.include_router(knowledge_router)
    app.include_router(knowledge_page)
    app.include_router(lookup_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyGuard, max_bytes=own.max_body_bytes)
    # Outermost: a write refused for overload costs neither body reading nor routing.
    app.add_middleware(
        Admission,
        limit=own.writes_in_flight,
        wait=own.admission_wait,
        retry_after=own.admission_retry_after,
    )

    @app.get(
        "/",
        include_in_schema=False,
        dependencies=[Depends(allow(OPERATOR, DISPATCHER, ADMIN, page=True))],
    )
    async def console() -> FileResponse:
        return FileResponse(STATIC / "console.html")

    return app
