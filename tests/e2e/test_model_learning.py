"""Learning from the centre on the real stack: a dispatcher's correction in the queue UI is in
the next training run (`make train` runs the same command), the new version runs in shadow,
and once promoted dispatch classifies with it, then with the previous one after a rollback,
all without a restart."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import httpx

from tests.support import (
    AS_INTAKE,
    ROOT,
    StackAddresses,
    desk_login_async,
    eventually,
    get_json,
    new_case,
)


async def _desk_session(stack: StackAddresses, username: str) -> httpx.AsyncClient:
    """A desk client signed in as a person through the login form."""
    client = httpx.AsyncClient(base_url=stack.desk, timeout=15.0)
    await desk_login_async(client, username)
    return client


def csrf(client: httpx.AsyncClient) -> str:
    """The session's CSRF token the login left on the client."""
    return str(client.headers["X-CSRF-Token"])


async def _learning(*args: str) -> dict[str, Any]:
    """Run the learning command (what `make train` runs) against the test stack."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.dispatch.learning",
        *args,
        cwd=ROOT,
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=240)
    assert proc.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result


async def _post(stack: StackAddresses, http: httpx.AsyncClient, **fields: Any) -> str:
    resp = await http.post(f"{stack.intake}/v1/cases", json=new_case(**fields))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["case_no"])


async def _assignment(stack: StackAddresses, http: httpx.AsyncClient, case_no: str) -> Any:
    return await eventually(
        lambda: get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE)
    )


async def _model(stack: StackAddresses, http: httpx.AsyncClient) -> dict[str, Any]:
    resp = await http.get(f"{stack.dispatch}/v1/model")
    assert resp.status_code == 200, resp.text
    state: dict[str, Any] = resp.json()
    return state


async def test_a_correction_is_learnt_and_a_promoted_version_is_used_without_a_restart(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    vague = await _post(
        stack, http, title="咨询", content="你好，我想问一下这个事情应该找哪里办理，谢谢。"
    )
    suggested = await _assignment(stack, http, vague)
    assert suggested["manual"] is True and suggested["model_version"] == "corpus"
    dispatcher = await _desk_session(stack, "paidan")
    try:
        resp = await dispatcher.post(
            f"/ui/manual/{vague}",
            json={"unit_id": "U-D01-T02", "topic": "民政", "difficulty": "general", "note": "低保"},
        )
    finally:
        await dispatcher.aclose()
    assert resp.status_code == 200, resp.text
    assert resp.json()["topic"] == "民政"

    trained = await _learning("train")
    version = trained["version"]
    assert vague in trained["centre_cases"]
    assert trained["examples"]["correction"] >= 1 and trained["examples"]["corpus"] > 1000
    assert len(trained["data_sha256"]) == 64
    assert trained["cross_validation"]["all"]["accuracy"] > 0.8

    async def in_shadow() -> bool | None:
        return (await _model(stack, http))["shadow"] == version or None

    await eventually(in_shadow, timeout=20)
    shadowed = await _post(stack, http, title="路灯不亮", content="荷风路的路灯坏了，晚上很黑。")
    assert (await _assignment(stack, http, shadowed))["model_version"] == "corpus"
    report = await _learning("evaluate", version)
    assert report["cases"] >= 1

    admin = await _desk_session(stack, "admin")
    try:
        page = await admin.get("/admin/model")
        assert page.status_code == 200 and f'data-version="{version}"' in page.text
        assert "影子运行" in page.text
        refused = await admin.post(f"/admin/model/{version}/promote", data={"csrf": csrf(admin)})
        assert refused.status_code == 303 and "error=" in refused.headers["location"]
        assert (await _model(stack, http))["live"] == "corpus"
        promoted = await admin.post(
            f"/admin/model/{version}/promote", data={"csrf": csrf(admin), "force": "true"}
        )
        assert promoted.status_code == 303 and "done=" in promoted.headers["location"]
    finally:
        await admin.aclose()
    state = await _model(stack, http)
    assert state["live"] == version
    assert state["promotions"][-1]["by"] == "admin"

    after = await _post(stack, http, title="路灯不亮", content="青山镇的路灯坏了好几天。")
    assert (await _assignment(stack, http, after))["model_version"] == version

    assert (await _learning("rollback", "--by", "admin"))["promoted"] == "corpus"

    async def back_on_corpus() -> bool | None:
        return (await _model(stack, http))["live"] == "corpus" or None

    await eventually(back_on_corpus, timeout=20)
    last = await _post(stack, http, title="路灯不亮", content="湖滨街道的路灯坏了。")
    assert (await _assignment(stack, http, last))["model_version"] == "corpus"
