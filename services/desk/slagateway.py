"""Handler actions and SLA reads passed on to sla: the queue UI needs one origin only.

sla owns the case workflow and decides what is allowed; the desk adds nothing and
returns sla's status code and body unchanged. Only sla's silence is answered here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx
from fastapi.responses import JSONResponse, Response

from services.common.access.services import ACTOR_HEADER
from services.common.logging import get_logger

log = get_logger(__name__)
READ_TIMEOUT = 3.0
# An action runs a workflow update that publishes an event before it answers.
ACTION_TIMEOUT = 10.0


class Action(StrEnum):
    """The handler and supervisor commands the queue UI sends."""

    ACCEPT = "accept"
    PROGRESS = "progress"
    RESOLVE = "resolve"
    CALLBACK = "callback"
    CLOSE = "close"
    BOUNCE = "bounce"
    EXTENSION = "extension"
    EXTENSION_DECISION = "extension_decision"
    REJECT = "reject"
    MERGE = "merge"
    # 联动办: a co-unit's commands on its part, and the lead's override.
    PART_ACCEPT = "part_accept"
    PART_PROGRESS = "part_progress"
    PART_REPORT = "part_report"
    PARTS_OVERRIDE = "parts_override"
    # Moves after acceptance: 改派, 上报 and its decision.
    TRANSFER = "transfer"
    TAKEOVER = "takeover"
    TAKEOVER_DECISION = "takeover_decision"

    @property
    def path(self) -> str:
        """sla's path segment for the command (a decision lives under its request's path,
        a part's commands under part/, the override under parts/)."""
        if self is Action.EXTENSION_DECISION or self.value.startswith(("part_", "parts_")):
            return self.value.replace("_", "/", 1)
        return self.value.replace("_decision", "/decision")


def _unavailable() -> Response:
    return JSONResponse(
        {"code": "sla_unavailable", "message": "时限服务暂不可用，请稍后重试"}, status_code=503
    )


def _unknown_outcome() -> Response:
    # sla may have applied the command without answering in time: retrying blindly could
    # record a progress note twice, so the handler is asked to look first.
    return JSONResponse(
        {"code": "sla_timeout", "message": "时限服务响应超时，操作结果未知，请刷新后确认"},
        status_code=504,
    )


def _relay(resp: httpx.Response) -> Response:
    return Response(
        content=resp.content,
        status_code=resp.status_code,
        media_type=resp.headers.get("content-type", "application/json"),
    )


class SlaGateway:
    """The one HTTP client the desk uses to reach sla."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=ACTION_TIMEOUT,
            headers=headers,
            transport=transport,
        )

    async def act(self, case_no: str, action: Action, body: dict[str, Any]) -> Response:
        """Send one command to sla; its answer (200, 404, 409 or 422) comes back unchanged.

        The person acting is named in a header too (sla admits them only for their cases).
        """
        actor = {ACTOR_HEADER: str(body.get("actor", ""))}
        try:
            resp = await self._client.post(
                f"/v1/cases/{case_no}/{action.path}", json=body, headers=actor
            )
        except (httpx.ReadTimeout, httpx.WriteTimeout):
            log.warning("sla action timed out", case_no=case_no, action=action.value)
            return _unknown_outcome()
        except httpx.HTTPError as exc:
            log.warning("sla unavailable", case_no=case_no, error=type(exc).__name__)
            return _unavailable()
        return _relay(resp)

    async def working_time(self, start: datetime, end: datetime) -> dict[str, Any] | None:
        """sla's working-time spans between two instants, or None if sla does not answer."""
        params = {"start": start.isoformat(), "end": end.isoformat()}
        try:
            resp = await self._client.get(
                "/v1/calendar/working-time", params=params, timeout=READ_TIMEOUT
            )
        except httpx.HTTPError as exc:
            log.warning("sla calendar unavailable", error=type(exc).__name__)
            return None
        if resp.status_code != 200:
            log.warning("sla calendar refused", status=resp.status_code, body=resp.text[:200])
            return None
        body: dict[str, Any] = resp.json()
        return body

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
