"""What every service's HTTP app offers: /healthz, /readyz, /metrics and request metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.access import ANONYMOUS, Guard, NeedsLogin, Principal, Rule, allow
from services.common.access.services import ServiceTokens
from services.common.errors import RETRY_AFTER
from services.common.metrics import HttpMetrics
from services.common.settings import SERVICES, CommonSettings

ReadinessCheck = Callable[[], Awaitable[object]]


async def session_dep(request: Request) -> AsyncIterator[AsyncSession]:
    """One database session per request, from the app's session maker."""
    async with request.app.state.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(session_dep)]


class Unidentified(Guard):
    """Public, and never asks who calls: the probes answer even while what the
    authenticators read (the database, the desk) is down."""

    def __init__(self) -> None:
        super().__init__(Rule(public=True))

    async def __call__(self, request: Request) -> Principal:
        return ANONYMOUS


def add_ops_routes(app: FastAPI, checks: Callable[[], dict[str, ReadinessCheck]]) -> None:
    """Mount the probes and the metrics endpoint; `checks` names each dependency's ping."""
    app.add_middleware(HttpMetrics)
    anyone = [Depends(Unidentified())]

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers", dependencies=anyone)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: every dependency answers",
        dependencies=anyone,
    )
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks().items():
            try:
                await asyncio.wait_for(check(), timeout=3.0)
                results[name] = "ok"
            except Exception as exc:  # a readiness probe reports, it never raises
                results[name] = f"fail: {type(exc).__name__}: {exc}"[:200]
        down = [name for name, result in results.items() if result != "ok"]
        return JSONResponse(
            {"status": "not ready" if down else "ready", "checks": results, "down": down},
            status_code=503 if down else 200,
            headers={"Retry-After": str(RETRY_AFTER)} if down else None,
        )

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", dependencies=anyone)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


# Pages load only their own scripts, styles and images; no site may frame them.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """The security headers on every answer that does not set them itself (a plain ASGI
    middleware: no task and stream per request)."""

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if production:
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)


def install_security(app: FastAPI, common: CommonSettings) -> None:
    """Security headers on every answer; anonymous visitors of pages go to the login page."""
    login = f"{common.desk_url.rstrip('/')}/login"
    app.add_middleware(SecurityHeaders, production=common.production)

    @app.exception_handler(NeedsLogin)
    async def to_login(request: Request, exc: NeedsLogin) -> Response:
        return RedirectResponse(f"{login}?{urlencode({'next': str(request.url)})}", 303)


def service_access(app: FastAPI, common: CommonSettings) -> None:
    """Recognise calling services' bearer tokens here (apps may add more authenticators)."""
    app.state.authenticators = [ServiceTokens.from_settings(common)]


def services_only(*callers: str) -> list[Any]:
    """Router dependencies admitting only these calling services (all of them if none named)."""
    return [Depends(allow(callers=callers or SERVICES))]
