"""Signed session cookies (itsdangerous) and the current user of a request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.common.access import Kind, Principal
from services.desk.ui.users import User, Users

COOKIE = "minhu_session"


class Sessions:
    """Issues and reads the session cookie; the cookie holds only the user name."""

    def __init__(self, secret: str | None, users: Users, *, hours: float, secure: bool) -> None:
        key = secret or secrets.token_urlsafe(32)
        self.signer = URLSafeTimedSerializer(key, salt="queue-ui")
        self.csrf_key = hashlib.sha256(f"{key}-csrf".encode()).digest()
        self.users = users
        self.max_age = int(hours * 3600)
        self.secure = secure

    def login(self, response: Response, user: User) -> None:
        """Set the cookie for a user who has just proved their password."""
        response.set_cookie(
            COOKIE,
            self.signer.dumps({"u": user.username}),
            max_age=self.max_age,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/",
        )

    def logout(self, response: Response) -> None:
        """Drop the cookie."""
        response.delete_cookie(COOKIE, path="/")

    def user(self, request: Request) -> User | None:
        """The signed-in user, or None (no cookie, bad signature, expired, account removed)."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self.signer.loads(raw, max_age=self.max_age)
        except BadSignature:
            return None
        return self.users.get(str(data.get("u", "")))

    async def principal(self, request: Request) -> Principal | None:
        """The signed-in person as the access guards see them (an authenticator).

        Their CSRF token is bound to the session cookie: another site's page cannot know it.
        """
        user = self.user(request)
        if user is None:
            return None
        raw = request.cookies.get(COOKIE, "")
        csrf = hmac.new(self.csrf_key, raw.encode(), hashlib.sha256).hexdigest()
        return Principal(
            Kind.PERSON,
            name=user.username,
            role=user.role,
            unit_id=user.unit_id,
            display_name=user.name,
            csrf=csrf,
        )


def sessions_of(request: Request) -> Sessions:
    """The app's session keeper."""
    keeper: Sessions = request.app.state.ui_sessions
    return keeper


def signed_in(request: Request) -> User:
    """The user of an API call; 401 with a Chinese message if nobody is signed in."""
    user = sessions_of(request).user(request)
    if user is None:
        raise HTTPException(401, {"code": "login_required", "message": "请先登录"})
    return user


Viewer = Annotated[User, Depends(signed_in)]
