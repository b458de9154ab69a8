"""The SMS provider is a caller of its own: its gateway key opens the callback, and only it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.access import Kind
from services.common.settings import CommonSettings
from services.notify.app import create_app
from services.notify.replies import GATEWAY, GatewayKey
from services.notify.settings import NotifySettings

KEY = "gateway-key-of-the-provider"
SMS = {"msg_id": "up-1", "mobile": "13800000001", "content": "1"}


def _app() -> FastAPI:
    # Built, not started: the guard answers before anything needs the database.
    return create_app(CommonSettings(), NotifySettings(sms_gateway_key=KEY))


def test_only_the_gateway_key_opens_the_callback() -> None:
    client = TestClient(_app())
    url = "/provider/sms/inbound"
    bare = client.post(url, json=SMS)
    wrong = client.post(url, json=SMS, headers={"Authorization": "Bearer not-the-key"})
    desk = client.post(url, json=SMS, headers=CommonSettings().service_headers("desk"))
    assert (bare.status_code, wrong.status_code, desk.status_code) == (401, 401, 403)
    assert desk.json()["message"] == "服务 desk 无权调用此接口。"
    # And the gateway's key opens nothing else.
    inbox = client.get("/v1/inbox?recipient=U-D01", headers={"Authorization": f"Bearer {KEY}"})
    assert inbox.status_code == 403


async def test_the_key_makes_the_gateway_a_principal_and_an_unset_key_nobody() -> None:
    request = httpx.Request("POST", "http://notify/", headers={"Authorization": f"Bearer {KEY}"})

    class Fake:
        headers = request.headers

    who = await GatewayKey(KEY)(Fake())  # type: ignore[arg-type]
    assert who is not None and (who.kind, who.name) == (Kind.SERVICE, GATEWAY)
    assert await GatewayKey("")(Fake()) is None  # type: ignore[arg-type]
