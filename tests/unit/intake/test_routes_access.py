"""Every intake route has a rule, and the rules hold without a database: anonymous callers
get 401 (pages: the login redirect), people need their CSRF token, Open311 answers in its
own error format, public reads are rate-limited per address."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from services.common.access import rule_of
from services.common.settings import CommonSettings
from services.intake.access import DeskSessions
from services.intake.app import create_app, local_profile
from services.intake.limits import Limits
from services.intake.settings import IntakeSettings

OPS = {"/healthz", "/readyz", "/metrics"}  # added by services/common/web.py for every service


def person(role: str) -> httpx.MockTransport:
    body = {"username": f"{role}1", "name": "王五", "role": role, "unit_id": "U", "csrf": "tok"}
    return httpx.MockTransport(lambda r: httpx.Response(200, json=body))


def app_with(role: str | None = None, **own: object) -> TestClient:
    common = CommonSettings(desk_url="http://desk.test")
    app = create_app(common, IntakeSettings(**own))  # type: ignore[arg-type]
    if role is not None:
        app.state.authenticators[0] = DeskSessions(
            "http://desk.test", headers={}, transport=person(role)
        )
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def anonymous() -> Iterator[TestClient]:
    yield app_with()


def test_every_route_carries_a_rule() -> None:
    app = app_with().app
    routes = [
        c.original_route
        for c in iter_route_contexts(app.routes)  # type: ignore[attr-defined]
        if isinstance(c.original_route, APIRoute)
    ]
    assert len(routes) > 12
    missing = [r.path for r in routes if rule_of(r) is None and r.path not in OPS]
    assert not missing
    open311_gets = [r for r in routes if r.path.startswith("/open311/") and "GET" in r.methods]
    assert open311_gets and all(rule_of(r).public for r in open311_gets)  # type: ignore[union-attr]


def test_anonymous_callers_get_nothing(anonymous: TestClient) -> None:
    for path in (
        "/v1/cases/20261201000001",
        "/v1/cases?phone=13812345678",
        "/v1/cases/20261201000001/timeline",
        "/v1/me",
    ):
        resp = anonymous.get(path)
        assert resp.status_code == 401, path
        assert resp.json()["code"] == "login_required"
    post = anonymous.post("/v1/cases", json={"channel": "phone", "content": "路灯坏了好几天"})
    assert post.status_code == 401


def test_the_console_sends_anonymous_visitors_to_the_desk_login(anonymous: TestClient) -> None:
    resp = anonymous.get("/")
    assert resp.status_code == 303
    assert resp.headers["location"].startswith("http://desk.test/login?next=")
    assert "default-src 'self'" in resp.headers["content-security-policy"]


def test_the_console_and_me_for_an_operator() -> None:
    client = app_with("operator")
    client.cookies.set("minhu_session", "s1")
    assert client.get("/").status_code == 200
    me = client.get("/v1/me").json()
    assert me["username"] == "operator1" and me["csrf"] == "tok"
    assert me["logout_url"] == "http://desk.test/logout"


def test_roles_outside_the_rule_are_refused() -> None:
    handler = app_with("handler")
    handler.cookies.set("minhu_session", "s1")
    assert handler.get("/").status_code == 403
    assert handler.get("/v1/cases/20261201000001").status_code == 403
    supervisor = app_with("supervisor")
    supervisor.cookies.set("minhu_session", "s1")
    # A supervisor reads cases by number but does not look callers up by number.
    assert supervisor.get("/v1/cases?phone=13812345678").status_code == 403
    assert supervisor.get("/v1/cases/20261201000001/timeline").status_code == 403


def test_a_person_posting_without_the_csrf_token_is_refused() -> None:
    client = app_with("operator")
    client.cookies.set("minhu_session", "s1")
    resp = client.post("/v1/cases", json={"channel": "phone", "content": "路灯坏了好几天"})
    assert resp.status_code == 403 and resp.json()["code"] == "csrf_failed"


def test_open311_post_without_a_key_is_refused_in_the_spec_format(anonymous: TestClient) -> None:
    resp = anonymous.post("/open311/v2/requests.json", data={"service_code": "0102"})
    assert resp.status_code == 403
    assert resp.json()[0]["code"] == 403 and "api_key" in resp.json()[0]["description"]
    xml = anonymous.post("/open311/v2/requests.xml", data={"service_code": "0102"})
    assert xml.status_code == 403 and xml.text.lstrip().startswith("<?xml")


def test_open311_page_size_is_capped(anonymous: TestClient) -> None:
    resp = anonymous.get("/open311/v2/requests.json", params={"page_size": 101})
    assert resp.status_code == 400 and "page_size" in resp.json()[0]["description"]


def test_public_reads_are_limited_per_address() -> None:
    client = app_with()
    client.app.state.limits = Limits(IntakeSettings(public_burst=3, public_per_minute=6))  # type: ignore[attr-defined]
    codes = [client.get("/open311/v2/discovery.json").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = client.get("/open311/v2/discovery.json")
    assert int(limited.headers["retry-after"]) >= 1
    assert "频繁" in limited.json()[0]["description"]
    other = client.get(
        "/open311/v2/discovery.json", headers={"X-Forwarded-For": "10.0.0.9"}
    )  # TestClient is not behind a trusted proxy: the same address, still limited
    assert other.status_code == 429


def test_demo_credentials_only_on_local_profiles() -> None:
    assert all(local_profile(e) for e in ("local", "dev", "test", "test-4"))
    assert not any(local_profile(e) for e in ("production", "staging", "tester"))
    assert IntakeSettings(demo_client=False).production_problems() == []
    assert "MINHU_INTAKE_DEMO_CLIENT" in IntakeSettings().production_problems()[0]


def test_the_lookup_page_is_public_and_the_knowledge_base_is_not(anonymous: TestClient) -> None:
    page = anonymous.get("/lookup")
    assert page.status_code == 200 and "办理进度查询" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert anonymous.get("/v1/knowledge").status_code == 401
    assert anonymous.post("/v1/suggestions", json={"content": "请问"}).status_code == 401


def test_suggestions_are_for_the_console_and_need_the_csrf_token() -> None:
    handler = app_with("handler")
    handler.cookies.set("minhu_session", "s1")
    assert (
        handler.post("/v1/suggestions", json={}, headers={"X-CSRF-Token": "tok"}).status_code == 403
    )
    operator = app_with("operator")
    operator.cookies.set("minhu_session", "s1")
    resp = operator.post("/v1/suggestions", json={"content": "请问"})
    assert resp.status_code == 403 and resp.json()["code"] == "csrf_failed"
    refused = operator.post("/v1/knowledge", json={}, headers={"X-CSRF-Token": "tok"})
    assert refused.status_code == 403
