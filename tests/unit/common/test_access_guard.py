"""Route rules and their guard: who is admitted, and how the others are refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.routing import APIRoute
from starlette.requests import Request

from services.common.access import ANONYMOUS, Kind, NeedsLogin, Principal, allow, public, rule_of
from services.common.access.services import ServiceTokens
from services.common.settings import local_service_token, token_hash

HANDLER = Principal(Kind.PERSON, name="li", role="handler", unit_id="u1", csrf="tok")
SLA = Principal(Kind.SERVICE, name="sla")
CLIENT = Principal(Kind.CLIENT, name="app", scopes=frozenset({"cases:read"}))


def request(method: str = "GET", headers: dict[str, str] | None = None, who: Any = None) -> Request:
    app = FastAPI()

    async def found(_: Request) -> Principal | None:
        return who

    app.state.authenticators = [found]
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "method": method, "path": "/", "headers": raw, "app": app}
    return Request(scope)


def refusal(guard: Any, req: Request) -> HTTPException:
    with pytest.raises(HTTPException) as caught:
        asyncio.run(guard(req))
    return caught.value


def test_a_rule_admits_people_by_role_services_by_name_clients_by_scope() -> None:
    rule = allow("handler", callers=("desk",), scopes=("cases:read",)).rule
    assert rule.admits(HANDLER)
    assert rule.admits(CLIENT)
    assert not rule.admits(SLA)
    assert not rule.admits(ANONYMOUS)
    assert not allow("admin").rule.admits(HANDLER)
    assert public().rule.admits(ANONYMOUS)


def test_anonymous_callers_get_401_and_pages_send_them_to_the_login() -> None:
    err = refusal(allow("handler"), request())
    assert err.status_code == 401
    assert err.detail["code"] == "login_required"
    with pytest.raises(NeedsLogin):
        asyncio.run(allow("handler", page=True)(request()))


def test_a_credential_the_rule_does_not_admit_gets_403_with_a_chinese_reason() -> None:
    err = refusal(allow("admin"), request(who=HANDLER))
    assert err.status_code == 403
    assert "办理人" in err.detail["message"]
    err = refusal(allow(callers=("desk",)), request(who=SLA))
    assert "sla" in err.detail["message"]
    err = refusal(allow(scopes=("open311:write",)), request(who=CLIENT))
    assert "open311:write" in err.detail["message"]


def test_a_person_changing_state_needs_the_sessions_csrf_token() -> None:
    guard = allow("handler")
    assert asyncio.run(guard(request("GET", who=HANDLER))) is HANDLER
    err = refusal(guard, request("POST", who=HANDLER))
    assert err.detail["code"] == "csrf_failed"
    err = refusal(guard, request("POST", {"X-CSRF-Token": "forged"}, who=HANDLER))
    assert err.detail["code"] == "csrf_failed"
    assert asyncio.run(guard(request("POST", {"X-CSRF-Token": "tok"}, who=HANDLER))) is HANDLER


def test_services_are_not_asked_for_csrf_tokens() -> None:
    assert asyncio.run(allow(callers=("sla",))(request("POST", who=SLA))) is SLA


def test_rule_of_finds_router_level_and_route_level_guards() -> None:
    app = FastAPI()

    @app.get("/open", dependencies=[Depends(public())])
    async def open_() -> None: ...

    @app.get("/bare")
    async def bare() -> None: ...

    routes = {r.path: r for r in app.routes if isinstance(r, APIRoute)}
    assert rule_of(routes["/open"]) == public().rule
    assert rule_of(routes["/bare"]) is None


def test_service_tokens_name_the_caller_and_its_actor() -> None:
    tokens = ServiceTokens({"desk": token_hash(local_service_token("desk"))})
    good = request(
        headers={
            "Authorization": f"Bearer {local_service_token('desk')}",
            "X-Minhu-Actor": "li",
        }
    )
    who = asyncio.run(tokens(good))
    assert who is not None
    assert (who.kind, who.name, who.acting_for) == (Kind.SERVICE, "desk", "li")
    assert asyncio.run(tokens(request(headers={"Authorization": "Bearer nope"}))) is None
    assert asyncio.run(tokens(request())) is None
