"""sla's merge and reject commands: both cases checked before either workflow is asked, the
lead asked first and let go again if the follower refuses, refusals with a code."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.sla.api_merging import router as merging_router
from tests.unit.sla.support import acting, sla_app, status

LEAD, FOLLOWER = "20261122000001", "20261122000002"


class Cases:
    """Workflows of several cases: status by case, every update recorded."""

    def __init__(self, **states: str) -> None:
        self.states = {f"case-{no}": state for no, state in states.items()}
        self.updates: list[tuple[str, str]] = []
        self.refuse: set[str] = set()

    def get_workflow_handle(self, workflow_id: str) -> Any:
        cases = self

        class Handle:
            async def query(self, *_: Any, **__: Any) -> Any:
                if workflow_id not in cases.states:
                    raise RPCError("not found", RPCStatusCode.NOT_FOUND, b"")
                return replace(
                    status(state=cases.states[workflow_id]),
                    case_no=workflow_id.removeprefix("case-"),
                )

            async def execute_update(self, name: str, *_: Any, **__: Any) -> Any:
                if name in cases.refuse:
                    cause = ApplicationError("工单已并入工单 X", "already_merged")
                    raise WorkflowUpdateFailedError(cause)
                cases.updates.append((workflow_id.removeprefix("case-"), name))
                return status(state="merged" if name == "follow" else "dispatched")

        return Handle()


def client(cases: Cases) -> TestClient:
    app = sla_app(cases)
    app.include_router(merging_router)
    return TestClient(app)


def merge(c: TestClient, lead: str = LEAD, actor: str = "paidan") -> Any:
    return c.post(
        f"/v1/cases/{FOLLOWER}/merge",
        json={"actor": actor, "lead": lead},
        headers=acting("desk", actor),
    )


def test_the_lead_takes_the_follower_then_the_follower_follows() -> None:
    cases = Cases(**{LEAD: "accepted", FOLLOWER: "dispatched"})
    resp = merge(client(cases))
    assert resp.status_code == 200, resp.text
    assert cases.updates == [(LEAD, "take_follower"), (FOLLOWER, "follow")]


def test_a_refusing_follower_is_let_go_by_the_lead_again() -> None:
    cases = Cases(**{LEAD: "accepted", FOLLOWER: "dispatched"})
    cases.refuse.add("follow")
    resp = merge(client(cases))
    assert resp.status_code == 409 and resp.json()["code"] == "already_merged"
    assert cases.updates == [(LEAD, "take_follower"), (LEAD, "drop_follower")]


def test_a_closed_or_missing_lead_and_a_handler_are_refused_before_any_update() -> None:
    cases = Cases(**{LEAD: "closed", FOLLOWER: "dispatched"})
    c = client(cases)
    closed = merge(c)
    assert closed.status_code == 409 and closed.json()["code"] == "lead_closed"
    assert f"主办工单 {LEAD} 已销号" in closed.json()["message"]
    missing = merge(c, lead="20261122000009")
    assert missing.status_code == 409 and missing.json()["code"] == "lead_unknown"
    assert merge(c, actor="liuan").status_code == 403
    assert cases.updates == []


def test_a_rejection_needs_a_reason_from_the_list() -> None:
    cases = Cases(**{FOLLOWER: "accepted"})
    c = client(cases)
    url, headers = f"/v1/cases/{FOLLOWER}/reject", acting("desk", "paidan")
    bad = c.post(url, json={"actor": "paidan", "reason": "busy"}, headers=headers)
    assert bad.status_code == 409 and bad.json()["code"] == "reject_reason_unknown"
    ok = c.post(url, json={"actor": "paidan", "reason": "outside_city"}, headers=headers)
    assert ok.status_code == 200, ok.text
    assert cases.updates == [(FOLLOWER, "reject")]
