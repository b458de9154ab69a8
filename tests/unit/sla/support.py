"""An sla API app without Temporal or the desk: fake workflow handles, a mock desk."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from services.common.access.services import ServiceTokens
from services.common.errors import install_error_handlers
from services.common.jurisdiction import Directory
from services.common.settings import CommonSettings
from services.sla.actors import DeskPeople
from services.sla.api import router
from services.sla.contracts import CaseStatus
from services.sla.domain.casefile import Extension
from services.sla.moves_api import router as moves_router

V01, V02, T01 = "U-D01-T01-V01", "U-D01-T01-V02", "U-D01-T01"
# The desk's accounts as GET /v1/users/{username} describes them.
USERS: dict[str, dict[str, Any]] = {
    "liuan": {"name": "王网格员", "role": "handler", "unit_id": V01},
    "jinqiao": {"name": "李主任", "role": "handler", "unit_id": V02},
    "paidan": {"name": "郑派单员", "role": "dispatcher", "unit_id": "U-D01-DBZX"},
    "hubin-duban": {"name": "督办员", "role": "supervisor", "unit_id": T01},
    "operator": {"name": "话务员", "role": "operator", "unit_id": "U-D01-DBZX"},
    "gone": {"name": "离职人员", "role": "handler", "unit_id": V01, "active": False},
    "hubin": {"name": "赵科长", "role": "handler", "unit_id": T01},
    "shitang": {"name": "陈书记", "role": "handler", "unit_id": "U-D01-T03-V01"},
}


def status(
    unit_id: str = V01, state: str = "dispatched", pending: Extension | None = None
) -> CaseStatus:
    return CaseStatus(
        case_no="20261122000164",
        state=state,
        tier="village",
        unit_id=unit_id,
        unit_name="柳岸社区",
        light="green",
        accept_due=None,
        resolve_due=None,
        escalations=[],
        history=[],
        pending_extension=pending,
    )


class Handle:
    """A workflow handle answering the status query and taking every update."""

    def __init__(self, temporal: FakeTemporal) -> None:
        self.temporal = temporal

    async def query(self, *_: Any, **__: Any) -> Any:
        return status(self.temporal.unit_id, self.temporal.state, self.temporal.pending)

    async def execute_update(self, name: str, *_: Any, **__: Any) -> Any:
        if self.temporal.update_error is not None:
            raise self.temporal.update_error
        self.temporal.updates.append(name)
        return status(self.temporal.unit_id, "accepted")


class FakeTemporal:
    """Workflows of one case, held by `unit_id` in `state` (what the status query answers)."""

    def __init__(
        self, unit_id: str = V01, state: str = "dispatched", pending: Extension | None = None
    ) -> None:
        self.unit_id = unit_id
        self.state = state
        self.pending = pending
        self.asked: list[str] = []
        self.updates: list[str] = []
        self.update_error: Exception | None = None

    def get_workflow_handle(self, workflow_id: str) -> Any:
        self.asked.append(workflow_id)
        return Handle(self)


class Desk:
    """The desk's user lookup, counting how often sla asks."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("desk is down")
        assert (
            request.headers["authorization"]
            == CommonSettings().service_headers("sla")["Authorization"]
        )
        username = request.url.path.rsplit("/", 1)[-1]
        self.asked.append(username)
        if username not in USERS:
            return httpx.Response(404, json={"code": "not_found", "message": "无此用户"})
        return httpx.Response(200, json={"username": username, "active": True, **USERS[username]})


def sla_app(temporal: Any | None = None, desk: Desk | None = None) -> FastAPI:
    common = CommonSettings()
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(moves_router)
    app.state.temporal = temporal or FakeTemporal()
    app.state.authenticators = [ServiceTokens.from_settings(common)]
    app.state.directory = Directory.from_file()
    app.state.people = DeskPeople(
        "http://desk.test",
        common.service_headers("sla"),
        transport=httpx.MockTransport(desk or Desk()),
    )
    return app


def acting(service: str, actor: str | None = None) -> dict[str, str]:
    """The headers of a calling service, acting for a person if named."""
    headers = CommonSettings().service_headers(service)
    if actor is not None:
        headers["X-Minhu-Actor"] = actor
    return headers
