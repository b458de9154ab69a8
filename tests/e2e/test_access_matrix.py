"""The access matrix: every route of every service declares who may call it, and the running
services keep to it, for every kind of caller.

The routes come from the five apps themselves (imported, not started). Every API route must
carry a rule (`services.common.access.rule_of`); mounts of static files and FastAPI's own
documentation routes are public. Then, against the running stack, each route is called once
by each principal: nobody, each person role signed in at the desk, each calling service's
token, the demo API client, the SMS gateway and Alertmanager. A principal the rule refuses gets 401
(or, for a page, the redirect to the login) or 403 with a Chinese reason; a principal it
admits gets anything else. Requests are minimal (empty bodies), so the guard decides before
any command could take effect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from services.common.access import CSRF_HEADER, Kind, Principal
from services.common.access.services import ACTOR_HEADER
from services.common.settings import SERVICES, local_service_token
from tests.access_support import (
    ALERTMANAGER_TOKEN,
    DEMO_API_KEY,
    DEMO_SCOPES,
    FILL,
    GATEWAY_KEY,
    PEOPLE,
    PUBLIC,
    Endpoint,
    all_endpoints,
    sign_in,
)
from tests.support import StackAddresses, new_case

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ALL = all_endpoints()


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
    if ALERTMANAGER_TOKEN:
        alertmanager = Principal(Kind.SERVICE, name="alertmanager")
        bearer = {"Authorization": f"Bearer {ALERTMANAGER_TOKEN}"}
        out.append(Caller("alertmanager", alertmanager, bearer))
    return out


def _url(stack: StackAddresses, e: Endpoint, case_no: str) -> str:
    if e.static_file:
        return f"{getattr(stack, e.service)}{e.path}/{e.static_file}"
    path = e.path
    for name in re.findall(r"\{([^}:]+)(?::[^}]*)?\}", path):
        value = case_no if "case" in name or "request_id" in name else FILL.get(name, "x")
        path = re.sub(r"\{" + name + r"(?::[^}]*)?\}", value, path)
    return getattr(stack, e.service) + path


# GeoReport v2 answers a missing or invalid api_key with 403 (the spec's code), not 401.
ANONYMOUS_403 = ("/open311/",)


def _to_login(resp: httpx.Response) -> bool:
    return resp.status_code == 303 and "/login" in resp.headers.get("location", "")


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def _refused_properly(resp: httpx.Response, e: Endpoint, who: Caller, body: bytes) -> str | None:
    """None if the answer is a proper refusal; else what is wrong with it.

    A credential a service does not know makes its bearer nobody there: a page may send
    them to the login. People signed in are never sent there again.
    """
    if _to_login(resp):
        return "a signed-in person was sent to the login page" if who.csrf else None
    if resp.status_code not in (401, 403):
        return f"admitted with {resp.status_code}"
    anonymous = who.principal.kind is Kind.ANONYMOUS
    if anonymous and resp.status_code != 401 and not e.path.startswith(ANONYMOUS_403):
        return f"anonymous refused with {resp.status_code}, not 401"
    text = _text(body)
    return None if CHINESE.search(text) else f"refused without a Chinese reason: {text[:120]}"


def _refused_by_the_rule(resp: httpx.Response, e: Endpoint, who: Caller, body: bytes) -> bool:
    """Whether the guard turned an admitted principal away (not the route's own answer,
    such as 401 for an expired session asked about, or 403 for an action not allowed on
    this case): the guard's refusal names the rule's reason or asks for a login."""
    assert e.rule is not None
    if _to_login(resp):
        return not e.rule.public  # signing out may send anyone to the login page
    if resp.status_code not in (401, 403):
        return False
    text = _text(body)
    return (
        "login_required" in text or "csrf_failed" in text or e.rule.refusal(who.principal) in text
    )


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
                if admitted and _refused_by_the_rule(resp, e, who, body):
                    wrong.append(f"{where}: refused ({resp.status_code}) though the rule admits")
                elif not admitted:
                    problem = _refused_properly(resp, e, who, body)
                    if problem:
                        wrong.append(f"{where}: {problem}")
    summary = f"{len(ALL)} routes × {len(who_all)} principals = {checked} requests"
    print(f"\naccess matrix: {summary}")
    assert checked == len(ALL) * len(who_all)
    assert not wrong, f"{summary}; {len(wrong)} wrong:\n" + "\n".join(wrong)


# Routes of request types, the knowledge base and the citizens' look-up, with the roles the
# matrix above holds them to: (service, method, path) -> admitted roles (None: public).
KNOWLEDGE_ROUTES: dict[tuple[str, str, str], frozenset[str] | None] = {
    ("intake", "POST", "/v1/suggestions"): frozenset({"operator", "dispatcher", "admin"}),
    ("intake", "GET", "/v1/knowledge"): frozenset(
        {"operator", "dispatcher", "handler", "supervisor", "admin"}
    ),
    ("intake", "GET", "/v1/knowledge/{entry_id}"): frozenset(
        {"operator", "dispatcher", "handler", "supervisor", "admin"}
    ),
    ("intake", "POST", "/v1/knowledge"): frozenset({"handler", "supervisor", "admin"}),
    ("intake", "PUT", "/v1/knowledge/{entry_id}"): frozenset({"handler", "supervisor", "admin"}),
    ("intake", "POST", "/v1/lookup"): None,
    ("intake", "GET", "/lookup"): None,
    ("intake", "GET", "/knowledge"): frozenset(
        {"operator", "dispatcher", "handler", "supervisor", "admin"}
    ),
}


def test_the_knowledge_and_lookup_routes_admit_whom_they_should() -> None:
    found = {(e.service, e.method, e.path): e.rule for e in ALL}
    for key, roles in KNOWLEDGE_ROUTES.items():
        rule = found.get(key)
        assert rule is not None, f"{key} is not a route"
        if roles is None:
            assert rule.public, key
        else:
            assert not rule.public and rule.roles == roles, key
            assert not rule.callers and not rule.scopes, key  # people only


# The grid tier's routes: (service, method, path) -> (admitted roles, admitted callers).
GRID_ROUTES: dict[tuple[str, str, str], tuple[frozenset[str], frozenset[str]]] = {
    ("desk", "GET", "/grid"): (frozenset({"grid_worker"}), frozenset()),
    ("desk", "POST", "/grid/patrol"): (frozenset({"grid_worker"}), frozenset()),
    ("desk", "POST", "/grid/visits"): (frozenset({"grid_worker"}), frozenset()),
    # The desk files grid workers' patrol reports at intake.
    ("intake", "POST", "/v1/cases"): (
        frozenset({"operator", "dispatcher", "admin"}),
        frozenset({"desk"}),
    ),
}


def test_the_grid_routes_admit_whom_they_should() -> None:
    found = {(e.service, e.method, e.path): e.rule for e in ALL}
    for key, (roles, services) in GRID_ROUTES.items():
        rule = found.get(key)
        assert rule is not None, f"{key} is not a route"
        assert not rule.public and rule.roles == roles and rule.callers == services, key


@pytest.mark.parametrize("service", SERVICES)
def test_the_probes_are_public_everywhere(service: str) -> None:
    probes = {e.path: e.rule for e in ALL if e.service == service and e.path.endswith("z")}
    assert probes == {"/healthz": PUBLIC, "/readyz": PUBLIC}


def test_only_alertmanager_posts_alerts() -> None:
    rules = {(e.method, e.path): e.rule for e in ALL if e.service == "notify"}
    rule = rules[("POST", "/v1/alerts")]
    assert rule is not None and rule.callers == frozenset({"alertmanager"})
    assert not rule.roles and not rule.scopes and not rule.public


# Files and photos: (service, method, path) -> (admitted roles, admitted calling services).
# Uploads and reads further follow the case's own rules (casework.attach_refusal, refusal).
FILE_ROUTES: dict[tuple[str, str, str], tuple[frozenset[str], frozenset[str]]] = {
    ("desk", "POST", "/cases/{case_no}/files"): (
        frozenset({"operator", "dispatcher", "handler", "grid_worker", "supervisor", "admin"}),
        frozenset(),
    ),
    ("desk", "GET", "/cases/{case_no}/files"): (
        frozenset({"operator", "dispatcher", "handler", "grid_worker", "supervisor", "admin"}),
        frozenset(),
    ),
    ("desk", "GET", "/cases/{case_no}/files/{file_id}"): (
        frozenset({"operator", "dispatcher", "handler", "grid_worker", "supervisor", "admin"}),
        frozenset(),
    ),
    ("desk", "GET", "/cases/{case_no}/files/{file_id}/thumb"): (
        frozenset({"operator", "dispatcher", "handler", "grid_worker", "supervisor", "admin"}),
        frozenset(),
    ),
    ("desk", "POST", "/v1/records/{case_no}/files"): (frozenset(), frozenset({"intake"})),
    ("intake", "POST", "/v1/cases/{case_no}/files"): (
        frozenset({"operator", "dispatcher", "admin"}),
        frozenset(),
    ),
}


def test_the_file_routes_admit_whom_they_should() -> None:
    found = {(e.service, e.method, e.path): e.rule for e in ALL}
    for key, (roles, services) in FILE_ROUTES.items():
        rule = found.get(key)
        assert rule is not None, f"{key} is not a route"
        assert not rule.public and rule.roles == roles and rule.callers == services, key
        assert not rule.scopes, key  # no API client uploads or reads files


# 合并 and 不予受理: sla's commands come from the desk only (it names the person, whom sla
# checks); dispatch's manual-queue rejection too; the desk's own route admits dispatchers.
MERGE_REJECT_ROUTES: dict[tuple[str, str, str], tuple[frozenset[str], tuple[str, ...]]] = {
    ("sla", "POST", "/v1/cases/{case_no}/merge"): (frozenset(), ("desk",)),
    ("sla", "POST", "/v1/cases/{case_no}/reject"): (frozenset(), ("desk",)),
    ("dispatch", "POST", "/v1/manual-queue/{case_no}/reject"): (frozenset(), ("desk",)),
    ("desk", "POST", "/ui/manual/{case_no}/reject"): (frozenset({"dispatcher", "admin"}), ()),
}


def test_the_merge_and_reject_routes_admit_whom_they_should() -> None:
    found = {(e.service, e.method, e.path): e.rule for e in ALL}
    for key, (roles, services) in MERGE_REJECT_ROUTES.items():
        rule = found.get(key)
        assert rule is not None, f"{key} is not a route"
        assert not rule.public and rule.roles == roles, (key, rule)
        assert tuple(rule.callers) == services, (key, rule)


# Routes of named handlers (承办人, AB岗) and 重大疑难 leaders, with the roles the matrix above
# holds them to; the routes themselves refuse what the rules of services/desk/people do not
# admit (a handler who is not the unit's head, a supervisor who is not the district's).
PEOPLE_ROUTES: dict[tuple[str, str, str], frozenset[str]] = {
    ("desk", "POST", "/cases/{case_no}/assign"): frozenset({"handler", "admin"}),
    ("desk", "POST", "/cases/{case_no}/leader"): frozenset({"supervisor", "admin"}),
    ("desk", "POST", "/cases/{case_no}/plan"): frozenset({"supervisor", "handler", "admin"}),
    ("desk", "GET", "/team"): frozenset({"handler", "admin"}),
    ("desk", "POST", "/team/{username}/backup"): frozenset({"handler", "admin"}),
    ("desk", "POST", "/team/{username}/away"): frozenset({"handler", "admin"}),
    ("desk", "POST", "/admin/users/{username}/head"): frozenset({"admin"}),
}


def test_the_people_routes_admit_whom_they_should() -> None:
    found = {(e.service, e.method, e.path): e.rule for e in ALL}
    for key, roles in PEOPLE_ROUTES.items():
        rule = found.get(key)
        assert rule is not None, f"{key} is not a route"
        assert not rule.public and rule.roles == roles, key
        assert not rule.callers and not rule.scopes, key  # people only
