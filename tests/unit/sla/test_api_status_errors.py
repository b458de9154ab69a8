"""sla answers a structured 503 when a workflow cannot be queried or Temporal does not answer a
command, instead of an unhandled error that drops the caller's connection."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from tests.unit.sla.support import FakeTemporal, acting, sla_app


class BrokenHandle:
    async def query(self, *_: Any, **__: Any) -> Any:
        raise WorkflowQueryFailedError("[TMPRL1100] Nondeterminism error")


class BrokenTemporal:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_workflow_handle(self, workflow_id: str) -> BrokenHandle:
        self.asked.append(workflow_id)
        return BrokenHandle()


def test_an_unqueryable_case_gets_503_with_a_chinese_reason() -> None:
    app = sla_app(BrokenTemporal())
    resp = TestClient(app).get("/v1/cases/20261122000164", headers=acting("intake"))
    assert resp.status_code == 503
    body = resp.json()
    assert body["code"] == "status_unavailable" and "20261122000164" in body["message"]
    assert app.state.temporal.asked == ["case-20261122000164"]


def test_a_command_temporal_did_not_answer_is_503_outcome_unknown() -> None:
    temporal = FakeTemporal()
    temporal.update_error = RPCError("deadline exceeded", RPCStatusCode.DEADLINE_EXCEEDED, b"")
    resp = TestClient(sla_app(temporal)).post(
        "/v1/cases/20261122000164/accept",
        json={"actor": "liuan", "note": ""},
        headers=acting("desk", "liuan"),
    )
    assert resp.status_code == 503
    assert resp.json()["code"] == "outcome_unknown" and "刷新" in resp.json()["message"]


def test_before_temporal_is_connected_the_case_routes_answer_503_with_retry_after() -> None:
    app = sla_app()
    app.state.temporal = None  # as the lifespan leaves it until Temporal answers
    resp = TestClient(app).get("/v1/cases/20261122000164", headers=acting("intake"))
    assert resp.status_code == 503
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.json() == {
        "code": "unavailable",
        "message": "系统繁忙，请稍后重试",
        "dependency": "temporal",
    }
