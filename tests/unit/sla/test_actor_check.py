"""sla admits a command only from the service allowed to send it, and only for a person who
may act on the case where it is now (the desk's accounts, the shared case rule)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.common.access import Kind, Principal
from services.common.access.casework import case_at
from services.common.jurisdiction import Directory
from services.sla.actors import Person, Refusal, refusal
from tests.unit.sla.support import V01, V02, Desk, FakeTemporal, acting, sla_app

URL = "/v1/cases/20261122000164"
DIRECTORY = Directory.from_file()


def _post(
    client: TestClient, action: str, actor: str, headers: dict[str, str], **extra: object
) -> tuple[int, dict[str, str]]:
    resp = client.post(f"{URL}/{action}", json={"actor": actor, **extra}, headers=headers)
    return resp.status_code, resp.json()


def test_the_assigned_units_handler_may_accept_another_units_may_not() -> None:
    temporal = FakeTemporal(V01)
    client = TestClient(sla_app(temporal))
    assert _post(client, "accept", "liuan", acting("desk", "liuan"))[0] == 200
    code, body = _post(client, "accept", "jinqiao", acting("desk", "jinqiao"))
    assert code == 403 and body["code"] == "actor_forbidden"
    assert "不属于本单位" in body["message"]
    assert temporal.updates == ["accept"]


def test_roles_act_only_where_their_role_allows() -> None:
    client = TestClient(sla_app(FakeTemporal(V01, "resolved")))
    # The dispatcher makes the callback survey but does not accept for a unit.
    assert _post(client, "callback", "paidan", acting("desk", "paidan"), satisfied=True)[0] == 200
    code, body = _post(client, "accept", "paidan", acting("desk", "paidan"))
    assert code == 403 and "无权" in body["message"]
    # The township's supervisor closes, the operator works no case at all.
    assert _post(client, "close", "hubin-duban", acting("desk", "hubin-duban"))[0] == 200
    assert _post(client, "progress", "operator", acting("desk", "operator"))[0] == 403


def test_a_command_the_state_does_not_admit_never_reaches_the_workflow() -> None:
    temporal = FakeTemporal(V01, "dispatched")
    client = TestClient(sla_app(temporal))
    # Before 签收: no 办结, no 回访, no extension decision with nothing pending.
    code, body = _post(client, "resolve", "liuan", acting("desk", "liuan"), note="修好了")
    assert code == 409 and body["code"] == "illegal_transition"
    assert body["message"] == "当前不能办结：等待承办单位签收。"
    code, body = _post(client, "callback", "paidan", acting("desk", "paidan"), satisfied=True)
    assert code == 409 and "等待承办单位签收" in body["message"]
    code, body = _post(
        client, "extension/decision", "hubin-duban", acting("desk", "hubin-duban"), approve=True
    )
    assert code == 409 and body["message"] == "没有待审批的延期申请。"
    # A role that may never do it is still told so (403), whatever the state.
    assert _post(client, "accept", "paidan", acting("desk", "paidan"))[0] == 403
    assert temporal.updates == []
    # After 办结 the handler's own commands are over.
    temporal.state = "resolved"
    for action, extra in (("accept", {}), ("progress", {"note": "x"}), ("bounce", {"note": "x"})):
        code, body = _post(client, action, "liuan", acting("desk", "liuan"), **extra)
        assert code == 409 and "已办结，等待回访" in body["message"], action
    temporal.state = "closed"
    code, body = _post(client, "close", "hubin-duban", acting("desk", "hubin-duban"), note="x")
    assert code == 409 and "已办结归档" in body["message"]
    assert temporal.updates == []


def test_a_wrong_service_or_a_missing_person_is_refused() -> None:
    temporal = FakeTemporal(V01)
    client = TestClient(sla_app(temporal))
    # notify's token may record an SMS survey answer, nothing else.
    code, body = _post(client, "accept", "liuan", acting("notify", "liuan"))
    assert code == 403 and body["message"] == "服务 notify 无权调用此接口。"
    assert _post(client, "callback", "短信回访", acting("notify"), satisfied=True)[0] == 200
    # The desk must name the person, and the body must name the same one.
    code, body = _post(client, "accept", "liuan", acting("desk"))
    assert code == 403 and body["code"] == "actor_forbidden" and "未指明操作人" in body["message"]
    code, body = _post(client, "accept", "liuan", acting("desk", "jinqiao"))
    assert code == 403 and "不一致" in body["message"]
    code, body = _post(client, "accept", "nobody", acting("desk", "nobody"))
    assert code == 403 and "不是本系统的有效账号" in body["message"]
    code, body = _post(client, "accept", "gone", acting("desk", "gone"))
    assert code == 403 and "已停用" in body["message"]
    assert temporal.updates == ["callback"]


def test_the_desks_answer_is_kept_briefly_and_its_silence_is_503() -> None:
    desk = Desk()
    client = TestClient(sla_app(FakeTemporal(V01, "accepted"), desk))
    for _ in range(3):
        assert _post(client, "progress", "liuan", acting("desk", "liuan"), note="已到场")[0] == 200
    assert desk.asked == ["liuan"]
    desk.down = True
    code, body = _post(client, "accept", "jinqiao", acting("desk", "jinqiao"))
    assert code == 503 and body["code"] == "actor_unverifiable"


def test_the_rule_follows_the_case_to_its_current_unit() -> None:
    client = TestClient(sla_app(FakeTemporal(V02)))
    assert _post(client, "accept", "liuan", acting("desk", "liuan"))[0] == 403
    assert _post(client, "accept", "jinqiao", acting("desk", "jinqiao"))[0] == 200


def test_the_pure_rule() -> None:
    desk = Principal(Kind.SERVICE, name="desk", acting_for="liuan")
    liuan = Person("liuan", "王网格员", "handler", V01, True)
    working = {**case_at(DIRECTORY, V01), "state": "accepted", "extension_pending": False}
    assert refusal(desk, "resolve", "liuan", liuan, working, DIRECTORY) is None
    assert refusal(desk, "close", "liuan", liuan, working, DIRECTORY) == Refusal(
        403, "您的角色无权执行此操作。"
    )
    assert refusal(desk, "accept", "liuan", liuan, working, DIRECTORY) == Refusal(
        409, "当前不能签收：承办单位办理中。"
    )
    person = Principal(Kind.PERSON, name="liuan", role="handler", unit_id=V01)
    assert refusal(person, "accept", "liuan", liuan, working, DIRECTORY) is not None
