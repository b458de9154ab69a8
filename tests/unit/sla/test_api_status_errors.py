"""sla answers a structured 503 when a workflow cannot be queried or Temporal does not answer a
command, instead of an unhandled error that drops the caller's connection."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from services.common.errors import install_error_handlers
from services.sla.api import router


class BrokenHandle:
    async def query(self, *_: Any, **__: Any) -> Any:
        raise WorkflowQueryFailedError("[TMPRL1100] Nondeterminism error")

    async def execute_update(self, *_: Any, **__: Any) -> Any:
        raise RPCError("deadline exceeded", RPCStatusCode.DEADLINE_EXCEEDED, b"")


class FakeTemporal:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_workflow_handle(self, workflow_id: str) -> BrokenHandle:
        self.asked.append(workflow_id)
        return BrokenHandle()


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.temporal = FakeTemporal()
    return app


def test_an_unqueryable_case_gets_503_with_a_chinese_reason() -> None:
    app = _app()
    resp = TestClient(app).get("/v1/cases/20261122000164")
    assert resp.status_code == 503
    body = resp.json()
    assert body["code"] == "status_unavailable" and "20261122000164" in body["message"]
    assert app.state.temporal.asked == ["case-20261122000164"]


def test_a_command_temporal_did_not_answer_is_503_outcome_unknown() -> None:
    resp = TestClient(_app()).post(
        "/v1/cases/20261122000164/accept", json={"actor": "柳岸社区", "note": ""}
    )
    assert resp.status_code == 503
    assert resp.json()["code"] == "outcome_unknown" and "刷新" in resp.json()["message"]
