"""Admission: writes beyond what intake can finish quickly are refused at once with 503."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from services.intake.admission import OVERLOADED, Admission


class _Held:
    """An app whose writes wait until released; reads answer at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0
        self._arrived = asyncio.Condition()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["method"] != "GET":
            async with self._arrived:
                self.entered += 1
                self._arrived.notify_all()
            await self.release.wait()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def holding(self, n: int) -> None:
        """Until n writes are inside."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: self.entered >= n)


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_write_finding_no_place_is_refused_with_retry_after() -> None:
    held = _Held()
    app = Admission(held, limit=2, wait=0.05, retry_after=3)
    async with _client(app) as http:
        first = [asyncio.create_task(http.post("/v1/cases", json={})) for _ in range(2)]
        await held.holding(2)
        refused = await http.post("/v1/cases", json={})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "3"
        body = refused.json()
        assert body["code"] == "overloaded" and body["message"] == OVERLOADED
        # Reads are never held back, even with every place taken.
        assert (await http.get("/v1/cases/X")).status_code == 201
        held.release.set()
        assert [r.status_code for r in await asyncio.gather(*first)] == [201, 201]
        # The places came back.
        assert (await http.post("/v1/cases", json={})).status_code == 201
    assert held.entered == 3


async def test_a_write_waits_for_a_place_that_frees_in_time() -> None:
    held = _Held()
    app = Admission(held, limit=1, wait=2.0, retry_after=1)
    async with _client(app) as http:
        first = asyncio.create_task(http.post("/v1/cases", json={}))
        await held.holding(1)
        second = asyncio.create_task(http.post("/v1/cases", json={}))
        await asyncio.sleep(0.1)
        held.release.set()
        assert (await first).status_code == 201
        assert (await second).status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_open311_writes_are_refused_in_the_spec_format(fmt: str) -> None:
    held = _Held()
    app = Admission(held, limit=1, wait=0.01, retry_after=2)
    async with _client(app) as http:
        first = asyncio.create_task(http.post(f"/open311/v2/requests.{fmt}", data={}))
        await held.holding(1)
        refused = await http.post(f"/open311/v2/requests.{fmt}", data={})
        held.release.set()
        await first
    assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
    if fmt == "json":
        assert json.loads(refused.text)[0]["description"] == OVERLOADED
    else:
        assert OVERLOADED in refused.text and "<errors>" in refused.text
