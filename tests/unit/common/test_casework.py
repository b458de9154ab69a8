"""The shared case rule: the desk shows, and sla admits, the same actions for a person."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from services.common.access.casework import (
    ALL_ACTIONS,
    MOVE_ACTIONS,
    action_refusal,
    awaited,
    case_at,
    next_actions,
    refusal,
    role_actions,
    scope_of,
    transfer_refusal,
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
    assert role_actions(Someone("admin", "U-D01-DBZX"), case, DIRECTORY) == (
        ALL_ACTIONS + MOVE_ACTIONS
    )
    for role in ("operator", "auditor"):
        assert role_actions(Someone(role, "U-D01-DBZX"), case, DIRECTORY) == ()
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


# Who looks at a case of 柳岸社区 (V01): its handler, another village's, the township's
# supervisor, the centre's dispatcher, an operator, an admin.
PEOPLE = {
    "handler": Someone("handler", V01),
    "other_handler": Someone("handler", "U-D01-T01-V02"),
    "supervisor": Someone("supervisor", "U-D01-T01"),
    "dispatcher": Someone("dispatcher", "U-D01-DBZX"),
    "operator": Someone("operator", "U-D01-DBZX"),
    "admin": Someone("admin", "U-D01-DBZX"),
}
WORK = ("progress", "extension", "resolve")
# Moves after acceptance: the handler asks the tier above (上报), a supervisor transfers (改派).
UP, MOVE = ("takeover",), ("transfer",)
# state, extension pending -> what each person may do now (absent: nothing).
# 不予受理 and 合并: the centre's dispatchers and the supervisors, on any open case.
MR = ("reject", "merge")
TABLE: list[tuple[str, bool, dict[str, tuple[str, ...]]]] = [
    ("received", False, {}),
    ("manual", False, {}),
    (
        "dispatched",
        False,
        {
            "handler": ("accept", "bounce"),
            "supervisor": ("close", *MR, *MOVE),
            "dispatcher": MR,
            "admin": ("accept", "bounce", "close", *MR, *MOVE),
        },
    ),
    (
        "accepted",
        False,
        {
            "handler": (*WORK, *UP),
            "supervisor": ("close", *MR, *MOVE),
            "dispatcher": MR,
            "admin": (*WORK, "close", *MR, *MOVE, *UP),
        },
    ),
    (
        "in_progress",
        True,
        {
            "handler": ("progress", "resolve", *UP),
            "supervisor": ("extension/decision", "close", *MR, *MOVE),
            "dispatcher": MR,
            "admin": ("progress", "resolve", "extension/decision", "close", *MR, *MOVE, *UP),
        },
    ),
    (
        "reopened",
        False,
        {
            "handler": (*WORK, *UP),
            "supervisor": ("close", *MR, *MOVE),
            "dispatcher": MR,
            "admin": (*WORK, "close", *MR, *MOVE, *UP),
        },
    ),
    (
        "resolved",
        False,
        {
            "supervisor": ("close", *MR),
            "dispatcher": ("callback", *MR),
            "admin": ("close", "callback", *MR),
        },
    ),
    (
        "bounced",
        False,
        {"supervisor": ("close", *MR), "dispatcher": MR, "admin": ("close", *MR)},
    ),
    ("closed", False, {}),
    # A follower follows its lead: nothing to do on it until the lead closes.
    ("merged", False, {}),
]


@pytest.mark.parametrize(("state", "pending", "expected"), TABLE, ids=[t[0] for t in TABLE])
def test_each_person_may_do_what_the_state_and_their_role_allow(
    state: str, pending: bool, expected: dict[str, tuple[str, ...]]
) -> None:
    case = {**case_at(DIRECTORY, V01), "state": state, "extension_pending": pending}
    for who, person in PEOPLE.items():
        got = next_actions(person, case, DIRECTORY)
        assert set(got) == set(expected.get(who, ())), (state, who, got)
        # In the order the role lists them, so the page shows them in a fixed order.
        assert got == tuple(a for a in role_actions(person, case, DIRECTORY) if a in got)


def test_nothing_to_do_is_said_as_what_the_case_waits_for() -> None:
    def case(state: str, pending: bool = False) -> dict[str, object]:
        return {**case_at(DIRECTORY, V01), "state": state, "extension_pending": pending}

    assert awaited(case("dispatched")) == "等待承办单位签收"
    assert awaited(case("resolved")) == "已办结，等待回访"
    assert awaited(case("closed")) == "已办结归档"
    assert awaited(case("manual")) == "等待人工派单"
    assert awaited(case("merged")) == "已并入主办工单，随主办工单办结"
    assert "延期申请等待审批" in awaited(case("accepted", True))
    handler, supervisor = PEOPLE["handler"], PEOPLE["supervisor"]
    # A refusal names what the case waits for; a role's refusal stays a role's.
    assert action_refusal(handler, "resolve", case("dispatched"), DIRECTORY) == (
        "当前不能办结：等待承办单位签收。"
    )
    assert action_refusal(handler, "extension", case("accepted", True), DIRECTORY) == (
        "已有延期申请待审批，不能再次申请延期。"
    )
    assert action_refusal(supervisor, "extension/decision", case("accepted"), DIRECTORY) == (
        "没有待审批的延期申请。"
    )
    assert action_refusal(PEOPLE["dispatcher"], "accept", case("dispatched"), DIRECTORY) == (
        "您的角色无权执行此操作。"
    )
    assert "不属于本单位" in action_refusal(
        PEOPLE["other_handler"], "accept", case("dispatched"), DIRECTORY
    )


def test_a_pending_takeover_is_seen_and_decided_by_the_tier_asked() -> None:
    township = Someone("handler", "U-D01-T01")
    elsewhere = Someone("handler", "U-D01-T03")
    case = {**case_at(DIRECTORY, V01), "state": "accepted", "takeover_unit_id": ""}
    assert refusal(township, case, DIRECTORY) is not None
    asked = {**case, "takeover_unit_id": "U-D01-T01"}
    assert refusal(township, asked, DIRECTORY) is None
    assert next_actions(township, asked, DIRECTORY) == ("takeover/decision",)
    assert refusal(elsewhere, asked, DIRECTORY) is not None
    # The township's supervisor decides too; the unit that asked waits, and may not ask again.
    assert "takeover/decision" in next_actions(PEOPLE["supervisor"], asked, DIRECTORY)
    handler = next_actions(PEOPLE["handler"], asked, DIRECTORY)
    assert "takeover" not in handler and "takeover/decision" not in handler
    assert "上报" in awaited(asked)
    assert "已有上报申请" in action_refusal(PEOPLE["handler"], "takeover", asked, DIRECTORY)


def test_a_transfer_goes_only_to_a_handling_unit_in_the_supervisors_jurisdiction() -> None:
    supervisor = PEOPLE["supervisor"]  # 湖滨街道
    assert transfer_refusal(supervisor, "U-D01-T01-V02", DIRECTORY) is None
    assert "管辖范围" in (transfer_refusal(supervisor, "U-D01-T03-V01", DIRECTORY) or "")
    assert "承办单位" in (transfer_refusal(PEOPLE["admin"], "U-D01-DBZX", DIRECTORY) or "")
    assert "目录" in (transfer_refusal(supervisor, "U-NOWHERE", DIRECTORY) or "")
