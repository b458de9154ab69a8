"""Named handlers against the running desk: only the unit's head names a case's handler,
nobody is marked away without a backup, and the board's handler comes back whole when every
read model is rebuilt from the record alone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg  # type: ignore[import-untyped]
import httpx

from tests.support import (
    INTAKE_HEADERS,
    ROOT,
    StackAddresses,
    desk_login_async,
    eventually,
    new_case,
)

HEAD, WANG, LI = "liuan-zhang", "liuan", "liuan-li"


async def _board(stack: StackAddresses, case_no: str) -> dict[str, Any] | None:
    db = await asyncpg.connect(stack.dsn("minhu_desk"))
    try:
        row = await db.fetchrow(
            "SELECT state, unit_id, assignee, assignee_name FROM board_cases WHERE case_no = $1",
            case_no,
        )
    finally:
        await db.close()
    return dict(row) if row else None


def _said(resp: httpx.Response) -> dict[str, list[str]]:
    assert resp.status_code == 303, resp.text
    return parse_qs(urlsplit(resp.headers["location"]).query)


async def _signed(stack: StackAddresses, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=stack.desk, timeout=15)
    await desk_login_async(client, username)
    return client


async def test_only_the_head_assigns_and_the_handler_survives_a_rebuild(
    stack: StackAddresses,
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        filed = await http.post(f"{stack.intake}/v1/cases", json=new_case(), headers=INTAKE_HEADERS)
        assert filed.status_code == 201, filed.text
        case_no = filed.json()["case_no"]

    async def dispatched() -> dict[str, Any] | None:
        row = await _board(stack, case_no)
        return row if row and row["state"] == "dispatched" else None

    row = await eventually(dispatched, timeout=60)
    assert row["unit_id"] == "U-D01-T01-V01" and row["assignee"] == ""

    li = await _signed(stack, LI)
    head = await _signed(stack, HEAD)
    try:
        refused = _said(await li.post(f"/cases/{case_no}/assign", data={"assignee": WANG}))
        assert "负责人" in refused["error"][0]
        assert (await _board(stack, case_no) or {})["assignee"] == ""
        # Nobody is away without a backup to hold their cases.
        away = _said(await li.post(f"/team/{LI}/away", data={"away": "true"}))
        assert "AB岗" in away["error"][0]

        done = _said(await head.post(f"/cases/{case_no}/assign", data={"assignee": WANG}))
        assert "王网格员" in done["done"][0]
        again = _said(await head.post(f"/cases/{case_no}/assign", data={"assignee": WANG}))
        assert "已由王网格员承办" in again["error"][0]
        wang = await _signed(stack, WANG)
        mine = await wang.get("/queue", params={"tab": "mine", "q": case_no})
        await wang.aclose()
        assert f'data-case="{case_no}"' in mine.text
        theirs = await li.get("/queue", params={"tab": "mine", "q": case_no})
        assert f'data-case="{case_no}"' not in theirs.text
    finally:
        await li.aclose()
        await head.aclose()
    assert (await _board(stack, case_no) or {})["assignee_name"] == "王网格员"

    env = {**os.environ, "PYTHONPATH": ROOT}
    rebuilt = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.desk.rebuild"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    after = await _board(stack, case_no)
    assert after is not None and (after["assignee"], after["assignee_name"]) == (WANG, "王网格员")
