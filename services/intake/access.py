"""Who calls intake: a person signed in at the desk, or an API client with a scoped key.

People: the desk's session cookie is checked with the desk (GET /v1/sessions/current); a
yes is trusted for a few seconds, so a logout takes effect quickly, and a desk that does
not answer means "not signed in". API clients: `X-API-Key` (Open311 also `api_key`, as
the spec says), looked up by its SHA-256 and trusted for a few seconds.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request

from services.common.access import Kind, Principal
from services.common.logging import get_logger
from services.intake import client_store
from services.intake.client_store import Client
from services.intake.domain.access import DEMO_KEY, key_hash

log = get_logger(__name__)
SESSION_COOKIE = "minhu_session"
SESSION_HEADER = "X-Minhu-Session"
KEY_HEADER = "X-API-Key"
KEY_FIELD = "api_key"
DESK_TIMEOUT = 3.0
MAX_REMEMBERED = 10_000


@dataclass
class _Memory:
    """Answers remembered until their expiry; bounded, expired ones dropped first."""

    ttl: float
    clock: Callable[[], float]
    _items: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def get(self, key: str) -> tuple[bool, Any]:
        found = self._items.get(key)
        if found is None or found[0] <= self.clock():
            self._items.pop(key, None)
            return False, None
        return True, found[1]

    def put(self, key: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        now = self.clock()
        if len(self._items) >= MAX_REMEMBERED:
            self._items = {k: v for k, v in self._items.items() if v[0] > now}
            if len(self._items) >= MAX_REMEMBERED:
                self._items.clear()
        self._items[key] = (now + self.ttl, value)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class DeskSessions:
    """Recognises the desk's session cookie by asking the desk who it belongs to."""

    def __init__(
        self,
        desk_url: str,
        *,
        headers: dict[str, str],
        ttl: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = desk_url.rstrip("/") + "/v1/sessions/current"
        self.headers = headers
        self.transport = transport
        self.memory = _Memory(ttl, clock)
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=DESK_TIMEOUT, transport=self.transport)
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool to the desk."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __call__(self, request: Request) -> Principal | None:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        if not cookie:
            return None
        return await self.who(cookie)

    async def who(self, cookie: str) -> Principal | None:
        """The person this session cookie belongs to, or None (signed out, or desk down)."""
        session_id = _digest(cookie)[:32]
        known, person = self.memory.get(session_id)
        if known:
            return person  # type: ignore[no-any-return]
        try:
            resp = await self._http().get(
                self.url, headers={**self.headers, SESSION_HEADER: cookie}
            )
        except httpx.HTTPError as exc:
            # Not remembered: the next request asks again.
            log.warning("desk unreachable, treating the session as signed out", error=repr(exc))
            return None
        if resp.status_code == 401:
            self.memory.put(session_id, None)
            return None
        if resp.status_code != 200:
            log.warning("desk refused the session check", status=resp.status_code)
            return None
        try:
            body = resp.json()
            person = Principal(
                Kind.PERSON,
                name=str(body["username"]),
                role=str(body["role"]),
                unit_id=str(body.get("unit_id") or ""),
                display_name=str(body.get("name") or body["username"]),
                csrf=str(body["csrf"]),
                session_id=session_id,
            )
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("desk answered the session check unreadably", error=repr(exc))
            return None
        self.memory.put(session_id, person)
        return person


async def _given_key(request: Request) -> str:
    """The key a request shows: the X-API-Key header; on Open311 paths the spec's api_key
    (query or form field) comes first, so a request naming one key there is judged by it."""
    header = request.headers.get(KEY_HEADER, "")
    if not request.url.path.startswith("/open311/"):
        return header[:200]
    key = request.query_params.get(KEY_FIELD, "")
    kind = request.headers.get("content-type", "")
    if (
        not key
        and request.method == "POST"
        and kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
    ):
        form = await request.form()  # cached on the request; the route reads it again
        value = form.get(KEY_FIELD, "")
        key = value if isinstance(value, str) else ""
    return (key or header)[:200]


class ApiKeys:
    """Recognises an enabled API client's key; the client's row is kept on request.state."""

    def __init__(
        self,
        sessions: Callable[[], Any],
        *,
        ttl: float = 5.0,
        refuse_demo: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions  # () -> async_sessionmaker, known once the lifespan runs
        self.memory = _Memory(ttl, clock)
        self.refused = {key_hash(DEMO_KEY)} if refuse_demo else set()

    async def __call__(self, request: Request) -> Principal | None:
        key = await _given_key(request)
        if not key:
            return None
        client = await self.client(key)
        if client is None:
            return None
        request.state.api_client = client
        return principal_of_client(client)

    async def client(self, key: str) -> Client | None:
        """The enabled client holding this key, or None."""
        digest = key_hash(key)
        if digest in self.refused:
            log.warning("demo API key refused in production")
            return None
        known, client = self.memory.get(digest)
        if known:
            return client  # type: ignore[no-any-return]
        async with self.sessions()() as session:
            client = await client_store.find_by_key(session, key=key)
        if client is not None:
            self.memory.put(digest, client)  # unknown keys are asked again (a new client)
        return client


def principal_of_client(client: Client) -> Principal:
    """The principal of an API client: its id and its scopes."""
    return Principal(
        Kind.CLIENT,
        name=client.client_id,
        display_name=client.name,
        scopes=frozenset(client.scopes),
    )
