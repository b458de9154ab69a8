"""The access matrix: every route of every service declares who may call it, and the running
services keep to it, for every kind of caller.

The routes come from the five apps themselves (imported, not started). Every API route must
carry a rule (`services.common.access.rule_of`); mounts of static files and FastAPI's own
documentation routes are public. Then, against the running stack, each route is called once
by each principal: nobody, each person role signed in at the desk, each calling service's
token, the demo API client and the SMS gateway. A principal the rule refuses gets 401
(or, for a page, the redirect to the login) or 403 with a Chinese reason; a principal it
admits gets anything else. Requests are minimal (empty bodies), so the guard decides before
any command could take effect.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic_settings import BaseSettings
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.common.access import CSRF_HEADER, Kind, Principal, Rule, public, rule_of
from services.common.access.services import ACTOR_HEADER
from services.common.settings import SERVICES, CommonSettings, local_service_token
from tests.support import StackAddresses, new_case

CHINESE = re.compile(r"[\u4e00-\u9fff]")
DOCS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
PUBLIC = public().rule
# The demo accounts (services/desk/ui/demo_users.yaml), one per role; password minhu-demo.
PEOPLE = {
    "operator": "operator",
    "dispatcher": "dispatcher",
    "handler": "liuan",
    "supervisor": "hubin-duban",
    "admin": "admin",
    "auditor": "auditor",
}
DEMO_PASSWORD = "minhu-demo"
DEMO_API_KEY = "minhu-demo"
DEMO_SCOPES = frozenset({"open311:write", "cases:write", "cases:read"})
GATEWAY_KEY = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_KEY", "")
# Filled path parameters; {case_no} is a case filed at the start.
FILL = {
    "fmt": "json",
    "service_code": "unknown",
    "token": "unknown",
    "action": "accept",
    "username": "no-such-user",
}


@dataclass(frozen=True)
class Endpoint:
    """One method of one route of one service, with the rule it declares."""

    service: str
    method: str
    path: str
    rule: Rule | None
    static_file: str = ""  # for mounts: a file under them


def _settings_class(service: str) -> type[BaseSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    found = [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, BaseSettings)
        and v.__module__ == module.__name__
        and v.__name__.endswith("Settings")
    ]
    assert len(found) == 1, (service, found)
    return found[0]


def app_of(service: str) -> FastAPI:
    """The service's app as it is built, without running its lifespan."""
    create_app = importlib.import_module(f"services.{service}.app").create_app
    app: FastAPI = create_app(CommonSettings(), _settings_class(service)())
    return app


def endpoints(service: str, app: FastAPI) -> Iterator[Endpoint]:
    """Every route of an app, router-level rules included."""
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        if isinstance(original, APIRoute):
            for method in sorted(route.methods or ()):
                yield Endpoint(service, method, str(route.path), rule_of(route))
        elif isinstance(original, Mount):
            directory = getattr(original.app, "directory", None)
            assert isinstance(original.app, StaticFiles) and directory, (service, original.path)
            first = next(
                (p for p in sorted(Path(directory).rglob("*")) if p.is_file() and p.stat().st_size),
                None,
            )
            rel = first.relative_to(directory).as_posix() if first else ""
            yield Endpoint(service, "GET", original.path, PUBLIC, static_file=rel)
        elif isinstance(original, Route) and original.path in DOCS:
            yield Endpoint(service, "GET", original.path, PUBLIC)
        else:
            raise AssertionError(f"{service}: a route of unknown kind {original!r}")


ALL = [e for s in SERVICES for e in endpoints(s, app_of(s))]


def test_every_route_of_every_service_has_a_rule() -> None:
    missing = [f"{e.service} {e.method} {e.path}" for e in ALL if e.rule is None]
    assert not missing, "routes without a rule:\n" + "\n".join(missing)
    assert {e.service for e in ALL} == set(SERVICES)


@dataclass
class Caller:
    """One principal of the matrix: who they are to the rules, and what they send."""

    label: str
    principal: Principal
    headers: dict[str, str] = field(default_factory=dict)
    csrf: str = ""


def _hidden_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


async def sign_in(stack: StackAddresses, username: str) -> tuple[str, str]:
    """(session cookie, CSRF token) of a demo account signed in at the desk (contract 1/2)."""
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as client:
        page = await client.get("/login")
        form = {**_hidden_fields(page.text), "username": username, "password": DEMO_PASSWORD}
        resp = await client.post("/login", data=form, follow_redirects=False)
        assert resp.status_code in (302, 303), (username, resp.status_code, resp.text[:300])
        cookie = resp.cookies.get("minhu_session") or client.cookies.get("minhu_session")
        assert cookie, f"no session cookie for {username}"
        who = await client.get(
            "/v1/sessions/current",
            headers={
                **CommonSettings().service_headers("intake"),
                "X-Minhu-Session": cookie,
            },
        )
        assert who.status_code == 200, who.text
        return cookie, str(who.json()["csrf"])


async def callers(stack: StackAddresses) -> list[Caller]:
    out = [Caller("anonymous", Principal(Kind.ANONYMOUS))]
    for role, username in PEOPLE.items():
        cookie, csrf = await sign_in(stack, username)
        person = Principal(Kind.PERSON, name=username, role=role)
        out.append(Caller(f"person:{role}", person, {"Cookie": f"minhu_session={cookie}"}, csrf))
    for service in SERVICES:
        headers = {"Authorization": f"Bearer {local_service_token(service)}"}
        if service == "desk":
            headers[ACTOR_HEADER] = "admin"  # the desk acts for someone who may do anything
        out.append(Caller(f"service:{service}", Principal(Kind.SERVICE, name=service), headers))
    client = Principal(Kind.CLIENT, name="demo", scopes=DEMO_SCOPES)
    out.append(Caller("client:demo", client, {"X-API-Key": DEMO_API_KEY}))
    if GATEWAY_KEY:
        gateway = Principal(Kind.SERVICE, name="sms-gateway")
        out.append(Caller("sms-gateway", gateway, {"Authorization": f"Bearer {GATEWAY_KEY}"}))
    return out


def _url(stack: StackAddresses, e: Endpoint, case_no: str) -> str:
    if e.static_file:
        return f"{getattr(stack, e.service)}{e.path}/{e.static_file}"
    path = e.path
    for name in re.findall(r"\{([^}:]+)(?::[^}]*)?\}", path):
        value = case_no if "case" in name or "request_id" in name else FILL.get(name, "x")
        path = re.sub(r"\{" + name + r"(?::[^}]*)?\}", value, path)
    return getattr(stack, e.service) + path


def _refused_properly(resp: httpx.Response, anonymous: bool, body: bytes) -> str | None:
    """None if the answer is a proper refusal; else what is wrong with it."""
    if resp.status_code == 303 and "/login" in resp.headers.get("location", ""):
        return None if anonymous else "a signed-in person was sent to the login page"
    if resp.status_code not in (401, 403):
        return f"admitted with {resp.status_code}"
    if anonymous and resp.status_code != 401:
        return f"anonymous refused with {resp.status_code}, not 401"
    text = body.decode("utf-8", "replace")
    if "json" in resp.headers.get("content-type", ""):
        text = str(resp.json())
    return None if CHINESE.search(text) else f"refused without a Chinese reason: {text[:120]}"


async def _call(client: httpx.AsyncClient, method: str, url: str, who: Caller) -> Any:
    headers = dict(who.headers)
    if who.csrf and method not in ("GET", "HEAD", "OPTIONS"):
        headers[CSRF_HEADER] = who.csrf
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    request = client.build_request(method, url, **kwargs)
    resp = await client.send(request, stream=True)  # streams (SSE) are not read to the end
    try:
        body = await resp.aread() if resp.status_code in (401, 403) else b""
    finally:
        await resp.aclose()
    return resp, body


def _last(e: Endpoint) -> bool:
    return "logout" in e.path  # signing out ends the session the other rows use


async def test_the_running_services_keep_to_the_rules(stack: StackAddresses) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        filed = await client.post(
            f"{stack.intake}/v1/cases", json=new_case(), headers={"X-API-Key": DEMO_API_KEY}
        )
        assert filed.status_code in (200, 201), filed.text
        case_no = filed.json()["case_no"]
        who_all = await callers(stack)
        wrong: list[str] = []
        checked = 0
        for e in sorted(ALL, key=_last):
            assert e.rule is not None
            url = _url(stack, e, case_no)
            for who in who_all:
                resp, body = await _call(client, e.method, url, who)
                checked += 1
                admitted = e.rule.admits(who.principal)
                where = f"{e.service} {e.method} {e.path} as {who.label}"
                if admitted and resp.status_code in (401, 403):
                    wrong.append(f"{where}: refused ({resp.status_code}) though the rule admits")
                elif (
                    admitted
                    and resp.status_code == 303
                    and "/login" in resp.headers.get("location", "")
                ):
                    wrong.append(f"{where}: sent to the login though the rule admits")
                elif not admitted:
                    problem = _refused_properly(resp, who.principal.kind is Kind.ANONYMOUS, body)
                    if problem:
                        wrong.append(f"{where}: {problem}")
    summary = f"{len(ALL)} routes × {len(who_all)} principals = {checked} requests"
    print(f"\naccess matrix: {summary}")
    assert checked == len(ALL) * len(who_all)
    assert not wrong, f"{summary}; {len(wrong)} wrong:\n" + "\n".join(wrong)


@pytest.mark.parametrize("service", SERVICES)
def test_the_probes_are_public_everywhere(service: str) -> None:
    probes = {e.path: e.rule for e in ALL if e.service == service and e.path.endswith("z")}
    assert probes == {"/healthz": PUBLIC, "/readyz": PUBLIC}
