"""The case record (工单台账) outlives the case's workflow, and can be rebuilt from alone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import (
    DeleteWorkflowExecutionRequest,
    DescribeNamespaceRequest,
)
from temporalio.client import Client

from tests.support import (
    ROOT,
    StackAddresses,
    acting,
    desk_login_async,
    eventually,
    get_json,
    new_case,
)


async def _record(http: httpx.AsyncClient, stack: StackAddresses, case_no: str) -> Any:
    return await get_json(http, f"{stack.desk}/v1/cases/{case_no}/record")


async def _closed_case(stack: StackAddresses, http: httpx.AsyncClient) -> str:
    """A case accepted, reported on, resolved, called back twice and closed by the citizen."""
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    sla = f"{stack.sla}/v1/cases/{case_no}"

    async def waiting() -> Any:
        status = await get_json(http, sla)
        return status if status and status["accept_due"] else None

    await eventually(waiting, timeout=20)
    for command, body in (
        ("accept", {"actor": "liuan", "note": "马上派人查看"}),
        ("progress", {"actor": "liuan", "note": "已联系供电所，约定明早更换"}),
        ("resolve", {"actor": "liuan", "note": "已更换路灯灯泡，恢复照明"}),
        ("callback", {"actor": "paidan", "satisfied": False, "reached": False, "note": ""}),
        ("callback", {"actor": "paidan", "satisfied": True, "note": "群众表示满意"}),
    ):
        resp = await http.post(f"{sla}/{command}", json=body, headers=acting(body["actor"]))
        assert resp.status_code == 200, resp.text
    return case_no


def _kinds(record: dict[str, Any]) -> list[str]:
    return [line["kind"] for line in record["story"]]


async def test_a_closed_case_keeps_its_whole_record_after_its_workflow_is_deleted(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = await _closed_case(stack, http)

    async def complete() -> Any:
        record = await _record(http, stack, case_no)
        kinds = _kinds(record) if record else []
        # The resolution SMS is sent once the case is resolved; wait for it and the close.
        sms = [x for x in (record or {}).get("story", []) if "短信" in x["what"]]
        done = "closed" in kinds and kinds.count("callback_recorded") == 2 and len(sms) >= 2
        return record if done else None

    before = await eventually(complete, timeout=30)

    client = await Client.connect(stack.temporal)
    await client.workflow_service.delete_workflow_execution(
        DeleteWorkflowExecutionRequest(
            namespace="default", workflow_execution=WorkflowExecution(workflow_id=f"case-{case_no}")
        )
    )

    async def gone() -> bool:
        return (await http.get(f"{stack.sla}/v1/cases/{case_no}")).status_code == 404

    # Temporal deletes in the background, behind whatever else its history service is doing.
    await eventually(gone, timeout=120, interval=1.0)

    after = await _record(http, stack, case_no)
    # Nothing recorded is lost with the workflow (a late notice may still add to the record).
    assert after["entries"][: len(before["entries"])] == before["entries"]
    assert (
        after["case"]["state"] == "closed" and after["case"]["close_reason"] == "callback_satisfied"
    )
    kinds = _kinds(after)
    for kind in ("received", "auto", "accepted", "progressed", "resolved", "closed", "notified"):
        assert kind in kinds, kind
    assert kinds.count("callback_recorded") == 2
    lines = {line["kind"]: line for line in after["story"]}
    assert lines["resolved"]["signed"] == "核实人" and "王网格员" in lines["resolved"]["who"]
    assert lines["progressed"]["note"] == "已联系供电所，约定明早更换"
    assert lines["closed"]["signed"] == "销号人" and "回访满意" in lines["closed"]["what"]
    verdicts = [x["what"] for x in after["story"] if x["kind"] == "callback_recorded"]
    assert verdicts == ["回访（未接通）", "回访（满意）"]
    assert after["caller"]["caller_phone"].count("*") == 4
    sms = [x for x in after["story"] if "短信" in x["what"]]
    assert all("****" in x["note"] for x in sms)

    # The case page tells the same record (an admin sees every unit: where a busy stack's
    # batch detection sent this case does not matter here).
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as browser:
        await desk_login_async(browser, "admin")
        page = await browser.get(f"/cases/{case_no}")
        assert page.status_code == 200
        for text in ("已更换路灯灯泡", "核实人：", "回访（满意）", "销号人：", "短信", "已销号"):
            assert text in page.text, text
        printable = await browser.get(f"/cases/{case_no}/record")
        assert printable.status_code == 200 and "工单台账" in printable.text
        exported = await browser.get(f"/cases/{case_no}/record.csv")
        assert exported.status_code == 200 and exported.text.startswith("\ufeff")
        assert "核实人：" in exported.text and "已更换路灯灯泡" in exported.text
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as browser:
        # A supervisor does not call back: the export masks the caller's number for them.
        await desk_login_async(browser, "duban")
        masked = (await browser.get(f"/cases/{case_no}/record.csv")).text.splitlines()[1]
        assert "****" in masked, masked

    # Rebuild every read model from the record alone; the case reads the same afterwards.
    env = {**os.environ, "PYTHONPATH": ROOT}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.desk.rebuild"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rebuilt" in done.stdout
    rebuilt = await _record(http, stack, case_no)
    assert rebuilt["story"] == after["story"]
    assert {k: v for k, v in rebuilt["case"].items() if k != "updated_at"} == {
        k: v for k, v in after["case"].items() if k != "updated_at"
    }
    found = await get_json(http, f"{stack.desk}/v1/search?case_no={case_no}")
    assert [c["case_no"] for c in found["cases"]] == [case_no]
    assert found["cases"][0]["state"] == "closed"


async def test_record_entries_cannot_be_changed_or_deleted(stack: StackAddresses) -> None:
    conn = await asyncpg.connect(stack.dsn("minhu_desk"))
    try:
        assert await conn.fetchval("SELECT count(*) FROM record_entries") > 0
        for sql in (
            "UPDATE record_entries SET note = 'changed'",
            "DELETE FROM record_entries",
            "TRUNCATE record_entries",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(sql)
        await conn.execute(
            "INSERT INTO record_entries (case_no, event_id, event_type, kind, at, data)"
            " VALUES ('20000101000001', $1, 'test', 'test', now(), '{}')",
            f"append-only-check-{os.getpid()}",
        )
    finally:
        await conn.close()


async def test_temporal_keeps_closed_workflows_thirty_days(stack: StackAddresses) -> None:
    client = await Client.connect(stack.temporal)
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace="default")
    )
    assert described.config.workflow_execution_retention_ttl.seconds == 30 * 86400
