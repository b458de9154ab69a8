"""What the access tests share: every route of every app with its rule, and signing in."""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic_settings import BaseSettings
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.common.access import Rule, public, rule_of
from services.common.settings import SERVICES, CommonSettings
from tests.support import StackAddresses

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
    "grid_worker": "wangge-liuan1",
}
DEMO_PASSWORD = "minhu-demo"
DEMO_API_KEY = "minhu-demo"
DEMO_SCOPES = frozenset({"open311:write", "cases:write", "cases:read"})
GATEWAY_KEY = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_KEY", "")
# Alertmanager's credential at notify's alert webhook (deploy/profiles.py).
ALERTMANAGER_TOKEN = os.environ.get("MINHU_NOTIFY_ALERTMANAGER_TOKEN", "")
# Filled path parameters; {case_no} is a case filed at the start.
FILL = {
    "fmt": "json",
    "service_code": "unknown",
    "token": "unknown",
    "action": "accept",
    "username": "no-such-user",
    "entry_id": "1",  # the first seeded knowledge entry
    "file_id": "00000000-0000-0000-0000-000000000000",  # no such file
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


@functools.cache
def all_endpoints() -> tuple[Endpoint, ...]:
    """Every endpoint of the five services (their apps built once per test run)."""
    return tuple(e for s in SERVICES for e in endpoints(s, app_of(s)))


def _hidden_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


async def sign_in(stack: StackAddresses, username: str) -> tuple[str, str]:
    """(session cookie, CSRF token) of a demo account signed in at the desk."""
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
