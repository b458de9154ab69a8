"""A case's timeline: intake's record joined with what dispatch, sla, notify and the desk's
case record know of it.

The other services are asked concurrently, each with its own short timeout. A service
that does not answer leaves its part empty and is named in `unavailable`; the operator
still sees everything the others know, never an error page.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from dataclasses import dataclass
from typing import Any

import httpx

from services.common.jurisdiction import Directory
from services.common.labels import INBOXES
from services.common.logging import get_logger
from services.common.settings import CommonSettings

log = get_logger(__name__)
PEER_TIMEOUT = 3.0


@dataclass(frozen=True, kw_only=True)
class Peers:
    """Base URLs of the services a timeline asks."""

    dispatch: str
    sla: str
    notify: str
    desk: str = ""
    timeout: float = PEER_TIMEOUT
    headers: tuple[tuple[str, str], ...] = ()  # the service token the peers ask for

    @classmethod
    def from_settings(cls, common: CommonSettings) -> Peers:
        """The peers' addresses as configured for this deployment."""
        return cls(
            dispatch=common.dispatch_url.rstrip("/"),
            sla=common.sla_url.rstrip("/"),
            notify=common.notify_url.rstrip("/"),
            desk=common.desk_url.rstrip("/"),
            headers=tuple(common.service_headers("intake").items()),
        )


class _Unavailable(Exception):
    """A peer did not answer, or answered with a server error."""


async def _get(client: httpx.AsyncClient, url: str, timeout: float) -> Any | None:
    """The JSON body at url; None when the peer has no record (404)."""
    try:
        # httpx times each phase separately; this caps the whole exchange.
        async with asyncio.timeout(timeout):
            resp = await client.get(url)
    except (httpx.HTTPError, TimeoutError) as exc:
        raise _Unavailable(f"{type(exc).__name__}: {exc}") from exc
    if resp.status_code == 404:
        return None
    if resp.status_code != 200:
        raise _Unavailable(f"HTTP {resp.status_code}")
    try:
        return resp.json()
    except ValueError as exc:
        raise _Unavailable("response is not JSON") from exc


async def _part(
    client: httpx.AsyncClient, name: str, url: str, timeout: float
) -> tuple[str, Any, bool]:
    """(name, body or None, answered) for one peer; never raises for a peer's failure."""
    try:
        return name, await _get(client, url, timeout), True
    except _Unavailable as exc:
        log.warning("timeline peer unavailable", peer=name, reason=str(exc))
        return name, None, False


async def build_timeline(
    case: dict[str, Any],
    *,
    peers: Peers,
    client: httpx.AsyncClient,
    work_order: str | None = None,
) -> dict[str, Any]:
    """The case with its assignment, SLA status and notifications, asked concurrently.

    work_order names the case the other services know (a repeat call's original case).
    """
    case_no = work_order or case["case_no"]
    wait = peers.timeout
    results = await asyncio.gather(
        _part(client, "dispatch", f"{peers.dispatch}/v1/cases/{case_no}", wait),
        _part(client, "sla", f"{peers.sla}/v1/cases/{case_no}", wait),
        _part(client, "notify", f"{peers.notify}/v1/cases/{case_no}/notifications", wait),
        # The record stays when sla's workflow and its history are long gone.
        _part(client, "desk", f"{peers.desk}/v1/cases/{case_no}/record", wait),
    )
    parts = {name: body for name, body, _ in results}
    return {
        "case": case,
        "dispatch": parts["dispatch"],
        "sla": parts["sla"],
        "notifications": [named(n) for n in parts["notify"] or []],
        "record": (parts["desk"] or {}).get("story", []),
        "unavailable": [name for name, _, answered in results if not answered],
    }


@functools.cache
def _directory() -> Directory:
    return Directory.from_file()


def named(notice: dict[str, Any]) -> dict[str, Any]:
    """A notice with its recipient as people name it: a unit's or an inbox's name."""
    recipient = str(notice.get("recipient") or "")
    name = INBOXES.get(recipient, "")
    if not name and recipient.startswith("U-"):
        with contextlib.suppress(KeyError):
            name = _directory().unit(recipient).name
    return {**notice, "recipient_name": name or recipient}


def peer_client(peers: Peers) -> httpx.AsyncClient:
    """An HTTP client whose every request to a peer gives up after the peer timeout."""
    return httpx.AsyncClient(timeout=peers.timeout, headers=dict(peers.headers))
