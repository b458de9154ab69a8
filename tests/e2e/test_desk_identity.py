"""What the desk tells other services about people: intake asks whose session a cookie is,
sla asks whether an account exists and is active; nobody else may ask."""

from __future__ import annotations

import httpx

from services.common.settings import CommonSettings
from tests.support import StackAddresses, desk_login_async

COMMON = CommonSettings()


async def test_intake_learns_whose_session_a_cookie_is(stack: StackAddresses) -> None:
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as person:
        csrf = await desk_login_async(person, "operator")
        token = person.cookies["minhu_session"]
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as intake:
        ask = {**COMMON.service_headers("intake"), "X-Minhu-Session": token}
        resp = await intake.get("/v1/sessions/current", headers=ask)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {
            "username": "operator",
            "name": "12345中心 何话务员",
            "role": "operator",
            "unit_id": "U-D01-DBZX",
            "csrf": csrf,
        }
        bad = {**COMMON.service_headers("intake"), "X-Minhu-Session": "forged"}
        refused = await intake.get("/v1/sessions/current", headers=bad)
        assert refused.status_code == 401
        assert refused.json() == {"code": "session_invalid", "message": "登录已失效，请重新登录"}
        other = {**COMMON.service_headers("sla"), "X-Minhu-Session": token}
        assert (await intake.get("/v1/sessions/current", headers=other)).status_code == 403


async def test_sla_learns_whether_an_account_is_active(stack: StackAddresses) -> None:
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as sla:
        headers = COMMON.service_headers("sla")
        resp = await sla.get("/v1/users/liuan", headers=headers)
        assert resp.status_code == 200
        assert resp.json() == {
            "username": "liuan",
            "name": "柳岸社区 王网格员",
            "role": "handler",
            "unit_id": "U-D01-T01-V01",
            "active": True,
        }
        assert (await sla.get("/v1/users/no-such-person", headers=headers)).status_code == 404
        intake = COMMON.service_headers("intake")
        assert (await sla.get("/v1/users/liuan", headers=intake)).status_code == 403
        assert (await sla.get("/v1/users/liuan")).status_code == 401
