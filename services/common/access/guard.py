"""The FastAPI side of access: authenticators find the principal, a Guard applies a rule.

An app lists its authenticators in `app.state.authenticators` (tried in order; the first
that recognises a credential wins). Guards refuse with 401 (no valid credential) or 403
(a credential this rule does not admit, or a missing CSRF token), in Chinese, structured.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any, Protocol

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute

from services.common.access.principal import ANONYMOUS, Kind, Principal
from services.common.access.rules import Rule

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"


class Authenticator(Protocol):
    async def __call__(self, request: Request) -> Principal | None: ...


class NeedsLogin(Exception):
    """An anonymous visitor asked for a page: the app answers with its login page."""


async def principal_of(request: Request) -> Principal:
    """Who is calling (cached on the request); ANONYMOUS when no credential is recognised."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    found = ANONYMOUS
    for authenticate in getattr(request.app.state, "authenticators", ()):
        got = await authenticate(request)
        if got is not None:
            found = got
            break
    request.state.principal = found
    return found


async def _csrf_token(request: Request) -> str:
    given = request.headers.get(CSRF_HEADER, "")
    if given:
        return given
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # cached on the request; the route reads it again
        value = form.get(CSRF_FIELD, "")
        return value if isinstance(value, str) else ""
    return ""


class Guard:
    """A dependency admitting the principals its rule admits; it returns the principal."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    async def __call__(self, request: Request) -> Principal:
        who = await principal_of(request)
        if self.rule.public:
            return who
        if who.kind is Kind.ANONYMOUS:
            if self.rule.page and request.method in SAFE_METHODS:
                raise NeedsLogin()
            raise HTTPException(
                401,
                {"code": "login_required", "message": self.rule.refusal(who)},
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not self.rule.admits(who):
            raise HTTPException(403, {"code": "forbidden", "message": self.rule.refusal(who)})
        if who.is_person and request.method not in SAFE_METHODS:
            given = await _csrf_token(request)
            if not given or not hmac.compare_digest(given.encode(), who.csrf.encode()):
                raise HTTPException(
                    403,
                    {
                        "code": "csrf_failed",
                        "message": "请求缺少有效的安全令牌（可能来自其他网站），请刷新页面后重试。",
                    },
                )
        return who


def allow(
    *roles: str,
    callers: tuple[str, ...] = (),
    scopes: tuple[str, ...] = (),
    page: bool = False,
) -> Guard:
    """A guard admitting these roles, calling services and API-client scopes."""
    return Guard(
        Rule(
            roles=frozenset(roles),
            callers=frozenset(callers),
            scopes=frozenset(scopes),
            page=page,
        )
    )


def public() -> Guard:
    """A guard admitting anyone (the route still learns who calls, if anyone)."""
    return Guard(Rule(public=True))


def _guards(dependant: Any) -> Iterator[Guard]:
    for dep in dependant.dependencies:
        if isinstance(dep.call, Guard):
            yield dep.call
        yield from _guards(dep)


def rule_of(route: APIRoute) -> Rule | None:
    """The rule a route declares (its first Guard, router-level ones included), or None."""
    return next((g.rule for g in _guards(route.dependant)), None)
