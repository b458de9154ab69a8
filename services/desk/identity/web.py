"""The desk's session cookie: setting it, dropping it, and recognising it on a request."""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from services.common.access.principal import Principal
from services.desk.identity.service import Identity, LoggedIn, principal

COOKIE = "minhu_session"
# The login form's own token (double submit): a page on another site cannot read it.
LOGIN_COOKIE = "minhu_login_csrf"
SESSION_HEADER = "X-Minhu-Session"


def client_address(request: Request) -> str:
    """The peer's address (a proxy in front would set it through uvicorn's proxy headers)."""
    return request.client.host if request.client else ""


class DeskSessions:
    """Authenticator: the person of a valid `minhu_session` cookie, or None."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    async def __call__(self, request: Request) -> Principal | None:
        token = request.cookies.get(COOKIE, "")
        if not token:
            return None
        found = await self.identity.find(token)
        return None if found is None else principal(found)


def set_session(response: Response, done: LoggedIn, identity: Identity) -> None:
    """The cookie of a session that has just started."""
    response.set_cookie(
        COOKIE,
        done.token,
        max_age=int(identity.policy.lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=identity.policy.secure,
        path="/",
    )


def drop_session(response: Response, identity: Identity) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=identity.policy.secure
    )


def login_token(request: Request) -> tuple[str, bool]:
    """The login form's CSRF token from its cookie, or a new one (True: set the cookie)."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    if len(token) >= 32:
        return token, False
    return secrets.token_urlsafe(32), True


def set_login_token(response: Response, token: str, identity: Identity) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=identity.policy.secure,
        path="/",
    )
