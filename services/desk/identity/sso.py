"""A city's single sign-on (OpenID Connect, authorization code with PKCE) as a login path.

Mounted only when MINHU_DESK_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET are set. The
provider proves who someone is; the desk still decides what they may do: the verified
`preferred_username` must name an existing, active desk account, and the same server-side
session as a password login starts.
"""

from __future__ import annotations

import json
import secrets
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import KeySet

from services.common.access import public
from services.desk.identity import store
from services.desk.ui.users import User

STATE_COOKIE = "minhu_sso"
CALLBACK = "/login/sso/callback"
NOT_LINKED = "统一身份认证已通过，但本系统没有与之对应的账号，请联系管理员开通。"
DISABLED = "您的账号已停用，请联系管理员。"
FAILED = "统一身份认证未能完成，请重试或使用账号密码登录。"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str


def claimed_username(claims: Mapping[str, Any]) -> str | None:
    """The account name a verified ID token names (preferred_username), normalised."""
    value = claims.get("preferred_username")
    if not isinstance(value, str):
        return None
    name = value.strip().lower()
    return name if 0 < len(name) <= 64 else None


def account_for(claims: Mapping[str, Any], account: store.Account | None) -> User | str:
    """The desk user verified claims map to, or the Chinese reason they do not."""
    name = claimed_username(claims)
    if name is None or account is None or account.user.username != name:
        return NOT_LINKED
    if not account.active:
        return DISABLED
    return account.user


def verify_id_token(
    token: str, keys: dict[str, Any], provider: Provider, nonce: str
) -> dict[str, Any]:
    """The claims of an ID token signed by the provider for this client and this login."""
    decoded = jwt.decode(token, KeySet.import_key_set(keys))  # type: ignore[arg-type]
    registry = jwt.JWTClaimsRegistry(
        leeway=60,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    registry.validate(decoded.claims)
    return dict(decoded.claims)


def _client(provider: Provider) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # authlib announces a module rename at import
        from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]
            AsyncOAuth2Client,
        )
    return AsyncOAuth2Client(
        provider.client_id,
        provider.client_secret,
        scope="openid profile",
        redirect_uri=provider.redirect_uri,
        code_challenge_method="S256",
        timeout=10.0,
    )


async def _metadata(provider: Provider) -> dict[str, Any]:
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    async with httpx.AsyncClient(timeout=10.0) as http:
        resp = await http.get(url)
        resp.raise_for_status()
        found: dict[str, Any] = resp.json()
        return found


def router(provider: Provider) -> APIRouter:
    """The two routes of the login path (to the provider, and back)."""
    from services.desk.identity.web import client_address
    from services.desk.ui.pages import identity_of, login_page, next_of, went_in

    paths = APIRouter(include_in_schema=False, dependencies=[Depends(public())])

    @paths.get("/login/sso")
    async def to_provider(request: Request, next: str = "/") -> Response:
        """Off to the provider, remembering this login's state, nonce and PKCE verifier."""
        try:
            meta = await _metadata(provider)
        except httpx.HTTPError:
            return login_page(request, next, FAILED, status=502)
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        url, _ = _client(provider).create_authorization_url(
            meta["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
        )
        response = RedirectResponse(url, status_code=303)
        kept = json.dumps({"s": state, "n": nonce, "v": verifier, "next": next_of(request, next)})
        response.set_cookie(
            STATE_COOKIE,
            kept,
            max_age=600,
            httponly=True,
            samesite="lax",
            secure=identity_of(request).policy.secure,
            path=CALLBACK,
        )
        return response

    @paths.get(CALLBACK)
    async def from_provider(
        request: Request,
        code: Annotated[str, Query(max_length=2048)] = "",
        state: Annotated[str, Query(max_length=256)] = "",
    ) -> Response:
        """Verify the answer and the ID token, then start a desk session for the account."""
        try:
            kept = json.loads(request.cookies.get(STATE_COOKIE, "") or "{}")
        except ValueError:
            kept = {}
        if (
            not code
            or not kept.get("s")
            or not secrets.compare_digest(state.encode(), str(kept["s"]).encode())
        ):
            return login_page(request, "/", FAILED, status=400)
        try:
            meta = await _metadata(provider)
            async with _client(provider) as client:
                token = await client.fetch_token(
                    meta["token_endpoint"], code=code, code_verifier=kept["v"]
                )
            async with httpx.AsyncClient(timeout=10.0) as http:
                keys = (await http.get(meta["jwks_uri"])).json()
            claims = verify_id_token(token["id_token"], keys, provider, kept["n"])
        except Exception:  # any failure of the provider's answer is a failed login
            return login_page(request, kept.get("next", "/"), FAILED, status=401)
        keeper = identity_of(request)
        name = claimed_username(claims) or ""
        got = account_for(claims, await keeper.account(name))
        if isinstance(got, str):
            return login_page(request, kept.get("next", "/"), got, status=403)
        response = went_in(request, await keeper.start(got, client_address(request)), kept["next"])
        response.delete_cookie(STATE_COOKIE, path=CALLBACK)
        return response

    return paths
