"""Intake on the real servers: Idempotency-Key under concurrent retries, repeat calls, bad input.

Cases are filed as the demo API client (`http` shows its key); the repeat call's timeline is
read as the demo operator signed in at the desk.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx

from tests.support import (
    AS_INTAKE,
    CALLER,
    HANDLER,
    StackAddresses,
    acting,
    add_api_client,
    eventually,
    get_json,
    new_case,
)


def fresh_phone() -> str:
    """A mobile number no earlier run used."""
    return f"137{secrets.randbelow(10**8):08d}"


async def test_concurrent_retries_with_one_key_create_one_case(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    key = f"retry-{secrets.token_hex(8)}"
    body = new_case()
    sends = [
        http.post(f"{stack.intake}/v1/cases", json=body, headers={"Idempotency-Key": key})
        for _ in range(12)
    ]
    answers = await asyncio.gather(*sends)
    assert sorted({r.status_code for r in answers}) in ([200, 201], [201])
    assert [r.status_code for r in answers].count(201) == 1
    numbers = {r.json()["case_no"] for r in answers}
    assert len(numbers) == 1
    assert {r.headers.get("idempotent-replayed") for r in answers if r.status_code == 200} <= {
        "true"
    }
    found = await get_json(http, f"{stack.intake}/v1/cases?phone={body['caller_phone']}")
    assert [c["case_no"] for c in found] == list(numbers)


async def test_one_key_with_another_body_is_a_conflict(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    key = f"conflict-{secrets.token_hex(8)}"
    first = await http.post(
        f"{stack.intake}/v1/cases", json=new_case(), headers={"Idempotency-Key": key}
    )
    assert first.status_code == 201
    other = await http.post(
        f"{stack.intake}/v1/cases",
        json=new_case(content="金桥名苑门口的垃圾桶满了两天没人清运"),
        headers={"Idempotency-Key": key},
    )
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["message"] and "不同" in other.json()["message"]


async def test_repeat_call_is_linked_not_dispatched(
    stack: StackAddresses, http: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    phone = fresh_phone()
    first = (await http.post(f"{stack.intake}/v1/cases", json=new_case(caller_phone=phone))).json()
    assert first["status"] == "received" and first["repeat_of"] is None
    again = await http.post(
        f"{stack.intake}/v1/cases",
        json=new_case(
            caller_phone=phone,
            title=None,
            content="柳岸花园门口的路灯还是不亮，晚上太黑了，上次打过电话了",
            address="柳岸路柳岸花园",
        ),
    )
    assert again.status_code == 201, again.text
    repeat = again.json()
    assert repeat["status"] == "merged" and repeat["repeat_of"] == first["case_no"]
    assert first["case_no"] in repeat["message"]
    original = await get_json(http, f"{stack.intake}/v1/cases/{first['case_no']}")
    assert original["repeats"] == [repeat["case_no"]]
    # The same caller about something else is a new work order.
    other = await http.post(
        f"{stack.intake}/v1/cases",
        json=new_case(
            caller_phone=phone, title=None, content="小区里有人占用消防通道停车，堵得严严实实"
        ),
    )
    assert other.json()["status"] == "received"
    # The original is dispatched; the repeat never reaches dispatch, its timeline follows
    # the original's work order.
    await eventually(
        lambda: get_json(http, f"{stack.dispatch}/v1/cases/{first['case_no']}", AS_INTAKE)
    )
    timeline = await get_json(operator, f"{stack.intake}/v1/cases/{repeat['case_no']}/timeline")
    assert timeline["case"]["repeat_of"] == first["case_no"]
    assert timeline["dispatch"]["case_no"] == first["case_no"]
    assert await get_json(http, f"{stack.dispatch}/v1/cases/{repeat['case_no']}", AS_INTAKE) is None


async def _close(stack: StackAddresses, http: httpx.AsyncClient, case_no: str) -> None:
    await eventually(lambda: get_json(http, f"{stack.sla}/v1/cases/{case_no}"), timeout=15)
    url = f"{stack.sla}/v1/cases/{case_no}"
    for action, body in (
        ("accept", {"actor": HANDLER}),
        ("resolve", {"actor": HANDLER, "note": "已更换灯泡"}),
        ("callback", {"actor": CALLER, "satisfied": True}),
    ):
        resp = await http.post(f"{url}/{action}", json=body, headers=acting(body["actor"]))
        assert resp.status_code == 200, resp.text


async def test_a_closed_case_takes_no_repeats(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    phone = fresh_phone()
    first = (await http.post(f"{stack.intake}/v1/cases", json=new_case(caller_phone=phone))).json()
    await _close(stack, http, first["case_no"])

    async def closed() -> Any:
        case = await get_json(http, f"{stack.intake}/v1/cases/{first['case_no']}")
        return case if case and case["closed_at"] else None

    assert (await eventually(closed, timeout=15))["status"] == "closed"
    again = (await http.post(f"{stack.intake}/v1/cases", json=new_case(caller_phone=phone))).json()
    assert again["status"] == "received" and again["repeat_of"] is None


async def test_anonymous_caller_cannot_consent_to_callback(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    body = new_case(anonymous=True, caller_phone=None, caller_name=None)
    ok = await http.post(f"{stack.intake}/v1/cases", json=body)
    assert ok.status_code == 201, ok.text
    stored = await get_json(http, f"{stack.intake}/v1/cases/{ok.json()['case_no']}")
    assert stored["anonymous"] and stored["caller_phone"] is None
    assert not stored["callback_consent"]
    refused = await http.post(f"{stack.intake}/v1/cases", json={**body, "callback_consent": True})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "callback_consent"
    nameless = await http.post(f"{stack.intake}/v1/cases", json=new_case(caller_phone=None))
    assert nameless.status_code == 422
    assert "匿名" in nameless.json()["errors"][0]["message"]


async def test_full_case_model_round_trips(stack: StackAddresses, http: httpx.AsyncClient) -> None:
    body = new_case(
        channel="grid_patrol",
        grid_code="D01-T01-V01-G03",
        latitude=28.2,
        longitude=112.9,
        urgent=True,
        urgent_reason="路面塌陷，有车辆陷入危险",
        callback_consent=True,
        attachments=["https://files.example.cn/a/1.jpg", "obj:case-photos/7f3a"],
        operator="op-0017",
    )
    resp = await http.post(f"{stack.intake}/v1/cases", json=body)
    assert resp.status_code == 201, resp.text
    stored = await get_json(http, f"{stack.intake}/v1/cases/{resp.json()['case_no']}")
    for field in ("grid_code", "latitude", "urgent_reason", "attachments", "operator"):
        assert stored[field] == body[field]
    half = await http.post(f"{stack.intake}/v1/cases", json=new_case(latitude=28.2))
    assert half.status_code == 422 and half.json()["errors"][0]["field"] == "longitude"
    blob = await http.post(f"{stack.intake}/v1/cases", json=new_case(attachments=["data:x y"]))
    assert blob.status_code == 422 and blob.json()["errors"][0]["field"] == "attachments"


async def test_bad_bodies_are_refused_with_reasons(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    url = f"{stack.intake}/v1/cases"
    big = await http.post(url, json=new_case(content="路" * 70_000))
    assert big.status_code == 413 and "上限" in big.json()["message"]
    raw = b'{"channel":"phone","caller_phone":"13800138000","content":"\xff\xfe bad bytes"}'
    latin = await http.post(url, content=raw, headers={"content-type": "application/json"})
    assert latin.status_code == 422 and "UTF-8" in latin.json()["message"]
    ctrl = await http.post(url, json=new_case(content="路灯坏了\u0007好几天了"))
    assert ctrl.status_code == 422
    assert ctrl.json()["errors"][0]["field"] == "content"
    assert "控制字符" in ctrl.json()["errors"][0]["message"]
    not_json = await http.post(url, content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 422


async def test_one_api_client_over_its_rate_gets_429(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    name = f"rate-{secrets.token_hex(4)}"
    key = await add_api_client(name, "cases:write", burst=20, per_minute=30)
    # The body's operator is an API client's own staff id: it does not choose the bucket.
    answers = await asyncio.gather(
        *(
            http.post(
                f"{stack.intake}/v1/cases",
                json=new_case(operator=f"op-{i}"),
                headers={"X-API-Key": key},
            )
            for i in range(25)
        )
    )
    codes = [r.status_code for r in answers]
    # A burst of 20, refilled at one every two seconds while the 25 arrive.
    assert codes.count(201) + codes.count(429) == 25 and codes.count(429) >= 4, codes
    limited = next(r for r in answers if r.status_code == 429)
    assert int(limited.headers["retry-after"]) >= 1 and "频繁" in limited.json()["message"]
    other = await http.post(f"{stack.intake}/v1/cases", json=new_case())
    assert other.status_code == 201
    # A key without cases:write may not file cases.
    reader = await add_api_client(f"read-{secrets.token_hex(4)}", "cases:read")
    refused = await http.post(
        f"{stack.intake}/v1/cases", json=new_case(), headers={"X-API-Key": reader}
    )
    assert refused.status_code == 403 and "cases:write" in refused.json()["message"]


async def test_openapi_documents_the_limits(stack: StackAddresses, http: httpx.AsyncClient) -> None:
    doc = (await http.get(f"{stack.intake}/openapi.json")).json()
    post = doc["paths"]["/v1/cases"]["post"]
    assert {"200", "201", "409", "413", "429", "4XX"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert "/open311/v2/requests.{fmt}" in doc["paths"]


async def test_concurrent_new_cases_get_distinct_consecutive_numbers(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    async def post() -> str:
        resp = await http.post(f"{stack.intake}/v1/cases", json=new_case())
        assert resp.status_code == 201, resp.text
        case_no: str = resp.json()["case_no"]
        return case_no

    numbers = await asyncio.gather(*(post() for _ in range(40)))
    assert len(set(numbers)) == 40
    days = {n[:8] for n in numbers}
    if len(days) == 1:  # not across local midnight: one unbroken run of the day's sequence
        seqs = sorted(int(n[8:]) for n in numbers)
        assert seqs == list(range(seqs[0], seqs[0] + 40))


async def test_a_signed_in_operator_files_as_themselves(
    stack: StackAddresses, operator: httpx.AsyncClient
) -> None:
    me = (await operator.get(f"{stack.intake}/v1/me")).json()
    assert me["username"] == "operator" and me["role"] == "operator"
    resp = await operator.post(f"{stack.intake}/v1/cases", json=new_case())
    assert resp.status_code == 201, resp.text
    stored = await get_json(operator, f"{stack.intake}/v1/cases/{resp.json()['case_no']}")
    assert stored["operator"] == "operator"
    other = await operator.post(f"{stack.intake}/v1/cases", json=new_case(operator="op-0042"))
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "operator"
    token = operator.headers.pop("X-CSRF-Token")
    try:
        forged = await operator.post(f"{stack.intake}/v1/cases", json=new_case())
        assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    finally:
        operator.headers["X-CSRF-Token"] = token
