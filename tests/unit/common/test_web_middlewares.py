"""Every answer carries the security headers unless it set one itself, and every request is
counted by its route template and final status, errors included."""

from __future__ import annotations

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from services.common.access import public
from services.common.errors import install_error_handlers
from services.common.metrics import HTTP_REQUESTS
from services.common.settings import CommonSettings
from services.common.web import SECURITY_HEADERS, add_ops_routes, install_security

CSP_HEADER = "Content-Security-Policy"


def build_app(production: bool = False) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    add_ops_routes(app, lambda: {})
    install_security(app, CommonSettings(env="production" if production else "local"))
    anyone = [Depends(public())]

    @app.get("/things/{case_no}", dependencies=anyone)
    async def thing(case_no: str) -> dict[str, str]:
        if case_no == "missing":
            raise HTTPException(404, "没有这个")
        return {"case_no": case_no}

    @app.get("/framed", dependencies=anyone)
    async def framed() -> PlainTextResponse:
        return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    return app


def count(route: str, status: str) -> float:
    return HTTP_REQUESTS.labels("GET", route, status)._value.get()  # type: ignore[attr-defined]


def test_answers_carry_the_security_headers_and_keep_their_own() -> None:
    with TestClient(build_app()) as client:
        ok = client.get("/things/20261201000001")
        assert ok.status_code == 200
        for name, value in SECURITY_HEADERS.items():
            assert ok.headers[name] == value
        assert "Strict-Transport-Security" not in ok.headers
        missing = client.get("/things/missing")
        assert missing.status_code == 404
        assert (
            missing.headers["Content-Security-Policy"]
            == SECURITY_HEADERS["Content-Security-Policy"]
        )
        assert client.get("/framed").headers["X-Frame-Options"] == "SAMEORIGIN"


def test_requests_are_counted_by_route_template_and_status() -> None:
    before_ok, before_missing = count("/things/{case_no}", "200"), count("/things/{case_no}", "404")
    with TestClient(build_app()) as client:
        client.get("/things/20261201000001")
        client.get("/things/20261201000002")
        client.get("/things/missing")
    assert count("/things/{case_no}", "200") == before_ok + 2
    assert count("/things/{case_no}", "404") == before_missing + 1
