"""The shared case rule: the desk shows, and sla admits, the same actions for a person."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from services.common.access.casework import (
    ALL_ACTIONS,
    allowed_actions,
    case_at,
    refusal,
    scope_of,
)
from services.common.access.services import ACTOR_HEADER
from services.common.jurisdiction import Directory
from services.desk.slagateway import Action, SlaGateway

DIRECTORY = Directory.from_file()
V01 = "U-D01-T01-V01"


@dataclass(frozen=True)
class Someone:
    role: str
    unit_id: str


def test_admins_do_everything_operators_and_auditors_work_no_case() -> None:
    case = case_at(DIRECTORY, V01)
    assert case == {"unit_id": V01, "district_id": "D01", "township_id": "D01-T01"}
    assert allowed_actions(Someone("admin", "U-D01-DBZX"), case, DIRECTORY) == ALL_ACTIONS
    for role in ("operator", "auditor"):
        assert allowed_actions(Someone(role, "U-D01-DBZX"), case, DIRECTORY) == ()
    # Auditors read the access audit, not cases.
    assert scope_of(Someone("auditor", "U-D01-DBZX"), DIRECTORY).kind == "none"
    assert refusal(Someone("auditor", "U-D01-DBZX"), case, DIRECTORY) == (
        "审计员只能查看访问审计，不能查看工单。"
    )
    assert scope_of(Someone("handler", V01), DIRECTORY).admits(case)
    # A unit the directory does not know sees only its own cases.
    assert scope_of(Someone("supervisor", "U-GONE"), DIRECTORY).kind == "unit"


async def test_the_desk_names_the_person_to_sla() -> None:
    seen: list[httpx.Request] = []

    def sla(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    gateway = SlaGateway("http://sla.test", transport=httpx.MockTransport(sla))
    await gateway.act("20261122000164", Action.ACCEPT, {"actor": "liuan", "note": ""})
    await gateway.aclose()
    assert seen[0].headers[ACTOR_HEADER] == "liuan"
