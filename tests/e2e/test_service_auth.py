"""Service-to-service APIs answer only callers with the service token; people go through the
signed-in UI, which checks unit and jurisdiction."""

from __future__ import annotations

import httpx
import pytest

from services.common.settings import CommonSettings
from tests.support import HANDLER, StackAddresses, acting, eventually, get_json, new_case

PROTECTED = [
    ("dispatch", "GET", "/v1/manual-queue"),
    ("dispatch", "GET", "/v1/cases/{case_no}"),
    ("desk", "GET", "/v1/cases/{case_no}/record"),
    ("desk", "GET", "/v1/search?case_no={case_no}"),
    ("sla", "GET", "/v1/cases/{case_no}"),
    ("sla", "POST", "/v1/cases/{case_no}/accept"),
    ("notify", "GET", "/v1/inbox?recipient=U-D01-T01-V01"),
]


@pytest.mark.parametrize(("service", "method", "path"), PROTECTED)
async def test_v1_apis_refuse_callers_without_the_service_token(
    stack: StackAddresses, http: httpx.AsyncClient, service: str, method: str, path: str
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    url = getattr(stack, service) + path.format(case_no=case_no)
    body = {"actor": "someone", "note": "越权签收"} if method == "POST" else None
    async with httpx.AsyncClient(timeout=10) as stranger:
        bare = await stranger.request(method, url, json=body)
        wrong = await stranger.request(
            method, url, json=body, headers={"Authorization": "Bearer not-the-service-token"}
        )
    for resp in (bare, wrong):
        assert resp.status_code == 401, resp.text
        assert resp.json()["code"] == "login_required"
        assert "凭证" in resp.json()["message"]
        assert resp.headers["www-authenticate"] == "Bearer"


async def test_refused_action_changed_nothing_and_the_token_opens_the_api(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    status_url = f"{stack.sla}/v1/cases/{case_no}"
    first = await eventually(lambda: get_json(http, status_url), timeout=15)
    assert first["state"] == "dispatched"
    async with httpx.AsyncClient(timeout=10) as stranger:
        refused = await stranger.post(
            f"{stack.sla}/v1/cases/{case_no}/accept", json={"actor": "x", "note": ""}
        )
    assert refused.status_code == 401
    assert (await http.get(status_url)).json()["state"] == "dispatched"
    accepted = await http.post(
        f"{stack.sla}/v1/cases/{case_no}/accept",
        json={"actor": HANDLER, "note": "签收"},
        headers=acting(HANDLER),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"


async def test_probes_stay_open(stack: StackAddresses) -> None:
    async with httpx.AsyncClient(timeout=10) as stranger:
        for base in (stack.dispatch, stack.sla, stack.notify, stack.desk):
            assert (await stranger.get(f"{base}/healthz")).status_code == 200
            assert (await stranger.get(f"{base}/metrics")).status_code == 200


# A calling service's token opens only the routes that service really calls.
WRONG_CALLER = [
    ("notify", "sla", "POST", "/v1/cases/{case_no}/accept"),
    ("notify", "sla", "POST", "/v1/cases/{case_no}/close"),
    ("intake", "sla", "POST", "/v1/cases/{case_no}/resolve"),
    ("dispatch", "sla", "GET", "/v1/cases/{case_no}"),
    ("sla", "dispatch", "POST", "/v1/manual-queue/{case_no}/dispatch"),
    ("notify", "dispatch", "GET", "/v1/cases/{case_no}"),
    ("desk", "notify", "POST", "/provider/sms/inbound"),
]


@pytest.mark.parametrize(("caller", "service", "method", "path"), WRONG_CALLER)
async def test_a_service_token_opens_only_the_routes_that_service_calls(
    stack: StackAddresses,
    http: httpx.AsyncClient,
    caller: str,
    service: str,
    method: str,
    path: str,
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    url = getattr(stack, service) + path.format(case_no=case_no)
    body = {"actor": HANDLER, "note": "越权"} if method == "POST" else None
    headers = {**CommonSettings().service_headers(caller), "X-Minhu-Actor": HANDLER}
    async with httpx.AsyncClient(timeout=10) as other:
        resp = await other.request(method, url, json=body, headers=headers)
    assert resp.status_code == 403, resp.text
    assert resp.json() == {"code": "forbidden", "message": f"服务 {caller} 无权调用此接口。"}


async def test_sla_refuses_a_person_who_may_not_act_on_the_case(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    status_url = f"{stack.sla}/v1/cases/{case_no}"
    await eventually(lambda: get_json(http, status_url), timeout=15)
    # 金桥社区's handler, for a case of 柳岸社区; the desk without naming anyone.
    other_unit = await http.post(
        f"{status_url}/accept", json={"actor": "jinqiao"}, headers=acting("jinqiao")
    )
    nobody = await http.post(f"{status_url}/accept", json={"actor": HANDLER})
    for resp in (other_unit, nobody):
        assert resp.status_code == 403, resp.text
        assert resp.json()["code"] == "actor_forbidden"
    assert "不属于本单位" in other_unit.json()["message"]
    assert "未指明操作人" in nobody.json()["message"]
    assert (await http.get(status_url)).json()["state"] == "dispatched"
