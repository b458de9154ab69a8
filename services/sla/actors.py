"""Who acts on a case: sla checks the person behind every command the desk sends.

The desk names the signed-in person in the actor header; sla asks the desk who that is
(`GET {desk}/v1/users/{username}`, kept for a short while) and applies the same case rule
the desk applies (services.common.access.casework.next_actions) to the case as its workflow
holds it now: its current unit, its state, a pending extension. A person's role that may
never give the command is refused (403); a command the case's state does not admit now is
refused too (409), before it reaches the workflow. A calling service that acts for nobody
is admitted only where that is its own job (notify records a citizen's SMS answer to the
callback survey).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import HTTPException

from services.common.access import Kind, Principal
from services.common.access.casework import (
    PART_OPEN_STATES,
    action_refusal,
    case_at,
    next_actions,
    role_actions,
)
from services.common.jurisdiction import Directory
from services.common.logging import get_logger
from services.sla.contracts import CaseStatus

log = get_logger(__name__)
CACHE_SECONDS = 30.0
LOOKUP_TIMEOUT = 3.0
# Commands a service may send for nobody in particular (service -> actions).
UNATTENDED = {"notify": frozenset({"callback"})}


@dataclass(frozen=True)
class Person:
    """A desk account as the desk describes it."""

    username: str
    name: str
    role: str
    unit_id: str
    active: bool


class PeopleUnavailable(Exception):
    """The desk did not answer who a person is."""


class DeskPeople:
    """Looks people up at the desk, remembering each answer (also "no such person") briefly."""

    def __init__(
        self,
        desk_url: str,
        headers: dict[str, str],
        *,
        ttl: float = CACHE_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.client = httpx.AsyncClient(
            base_url=desk_url.rstrip("/"),
            headers=headers,
            timeout=LOOKUP_TIMEOUT,
            transport=transport,
        )
        self.ttl = ttl
        self._known: dict[str, tuple[float, Person | None]] = {}

    async def get(self, username: str) -> Person | None:
        """The person with this login, or None if the desk has no such account."""
        now = time.monotonic()
        hit = self._known.get(username)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        try:
            resp = await self.client.get(f"/v1/users/{username}")
        except httpx.HTTPError as exc:
            raise PeopleUnavailable(type(exc).__name__) from exc
        if resp.status_code == 404:
            found = None
        elif resp.status_code == 200:
            body = resp.json()
            found = Person(
                username=str(body["username"]),
                name=str(body.get("name", "")),
                role=str(body["role"]),
                unit_id=str(body.get("unit_id", "")),
                active=bool(body.get("active", True)),
            )
        else:
            raise PeopleUnavailable(f"desk answered {resp.status_code}")
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[username] = (now, found)
        return found

    async def aclose(self) -> None:
        await self.client.aclose()


@dataclass(frozen=True)
class Refusal:
    """A command refused before it reaches the workflow: 403 for who asks, 409 for when."""

    status: int
    message: str


def forbidden(message: str) -> HTTPException:
    return HTTPException(403, {"code": "actor_forbidden", "message": message})


def refused(refusal: Refusal) -> HTTPException:
    if refusal.status == 409:
        return HTTPException(409, {"code": "illegal_transition", "message": refusal.message})
    return forbidden(refusal.message)


def case_of(status: CaseStatus, directory: Directory) -> dict[str, Any]:
    """The case as the shared rule reads it, from what its workflow holds now."""
    return {
        **case_at(directory, status.unit_id),
        "state": status.state,
        "extension_pending": status.pending_extension is not None,
        # 联动办: parts neither reported nor waived hold the lead's 办结.
        "parts_open": sum(p.state in PART_OPEN_STATES for p in status.parts),
        "takeover_unit_id": status.pending_takeover.to.unit_id if status.pending_takeover else "",
    }


def refusal(
    who: Principal,
    action: str,
    body_actor: str,
    person: Person | None,
    case: Mapping[str, Any],
    directory: Directory,
) -> Refusal | None:
    """Why this command may not go ahead (a Chinese sentence), or None if it may.

    `person` is the desk's answer about `who.acting_for`; `case` the case as its workflow
    holds it (see `case_of`).
    """
    if who.kind is not Kind.SERVICE:
        return Refusal(403, "只有工作台可以代表工作人员提交办理操作。")
    if not who.acting_for:
        if action in UNATTENDED.get(who.name, frozenset()):
            return None
        return Refusal(403, "未指明操作人：办理操作须由登录的工作人员通过工作台提交。")
    if body_actor != who.acting_for:
        return Refusal(
            403, f"操作人（{body_actor}）与提交请求的工作人员（{who.acting_for}）不一致。"
        )
    if person is None:
        return Refusal(403, f"操作人 {who.acting_for} 不是本系统的有效账号。")
    if not person.active:
        return Refusal(403, f"操作人 {who.acting_for} 的账号已停用。")
    if action in next_actions(person, case, directory):
        return None
    status = 409 if action in role_actions(person, case, directory) else 403
    return Refusal(status, action_refusal(person, action, case, directory))
