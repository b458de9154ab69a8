"""sla admits 改派 and 上报 only from whom the shared case rule allows: a supervisor within
whose jurisdiction both units lie, the handling unit, and the tier it asked."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from services.sla.contracts import CaseStatus, Rung
from services.sla.domain.casefile import Takeover
from tests.unit.sla.support import T01, V01, FakeTemporal, Handle, acting, sla_app, status

URL = "/v1/cases/20261122000164"


class Asked(FakeTemporal):
    """A case whose unit V01 asked its township T01 to take it over (or not yet)."""

    def __init__(self, state: str = "accepted", asked: bool = True) -> None:
        super().__init__(V01, state)
        self.asked_unit = T01 if asked else ""
        self.args: list[Any] = []

    def get_workflow_handle(self, workflow_id: str) -> Any:
        outer = self

        class Recording(Handle):
            async def query(self, *_: Any, **__: Any) -> CaseStatus:
                s = status(V01, outer.state)
                if outer.asked_unit:
                    to = Rung("township", outer.asked_unit, "湖滨街道")
                    s.pending_takeover = Takeover("liuan", "需协调", "t", V01, to)
                return s

            async def execute_update(self, name: str, arg: Any = None, **__: Any) -> Any:
                outer.args.append(arg)
                return await super().execute_update(name)

        return Recording(self)


def _post(client: TestClient, path: str, actor: str, **body: object) -> tuple[int, Any]:
    resp = client.post(
        f"{URL}/{path}", json={"actor": actor, **body}, headers=acting("desk", actor)
    )
    return resp.status_code, resp.json()


def test_a_supervisor_transfers_within_the_jurisdiction_only() -> None:
    temporal = Asked(asked=False)
    client = TestClient(sla_app(temporal))
    code, _ = _post(client, "transfer", "hubin-duban", unit_id="U-D01-T01-V02", reason="辖区调整")
    assert code == 200 and temporal.updates == ["transfer"]
    cmd = temporal.args[-1]
    assert cmd.to.unit_id == "U-D01-T01-V02" and cmd.township.unit_id == T01
    assert cmd.reason == "辖区调整"
    # Another township's unit lies outside 湖滨街道's supervisor's jurisdiction.
    code, body = _post(client, "transfer", "hubin-duban", unit_id="U-D01-T03-V01", reason="x")
    assert code == 403 and "管辖范围" in body["message"]
    code, body = _post(client, "transfer", "hubin-duban", unit_id="U-NOWHERE", reason="x")
    assert code == 422 and body["code"] == "unknown_unit"
    # Handlers do not transfer, even their own unit's case.
    code, body = _post(client, "transfer", "liuan", unit_id="U-D01-T01-V02", reason="x")
    assert code == 403
    assert temporal.updates == ["transfer"]


def test_the_handling_unit_asks_and_the_tier_asked_decides() -> None:
    temporal = Asked(asked=False)
    client = TestClient(sla_app(temporal))
    assert _post(client, "takeover", "liuan", reason="需街道协调")[0] == 200
    assert _post(client, "takeover", "jinqiao", reason="x")[0] == 403  # not their case
    code, body = _post(client, "takeover/decision", "hubin", accept=True)
    assert code == 403  # nothing asked of 湖滨街道 yet: the case is not theirs to see

    temporal.asked_unit = T01
    code, body = _post(client, "takeover", "liuan", reason="再次上报")
    assert code == 409 and "上报申请待上级决定" in body["message"]
    assert _post(client, "takeover/decision", "hubin", accept=False, note="社区职责")[0] == 200
    assert _post(client, "takeover/decision", "hubin-duban", accept=True)[0] == 200
    # The unit that asked does not decide its own request; another township's handler neither.
    assert _post(client, "takeover/decision", "liuan", accept=True)[0] == 403
    assert _post(client, "takeover/decision", "shitang", accept=True)[0] == 403
    assert temporal.updates == ["request_takeover", "decide_takeover", "decide_takeover"]


def test_a_takeover_before_acceptance_is_refused_as_out_of_turn() -> None:
    client = TestClient(sla_app(Asked("dispatched", asked=False)))
    code, body = _post(client, "takeover", "liuan", reason="需协调")
    assert code == 409 and body["code"] == "illegal_transition"
