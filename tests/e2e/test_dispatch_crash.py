"""Dispatch killed with SIGKILL while cases stream in: every case is dispatched exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import asyncpg
import httpx

from services.common.events import Topic
from tests.support import PROFILE, ROOT, RUN_DIR, StackAddresses, eventually, new_case, read_topic

CASES = 80


def _dispatch_pid() -> int:
    return int((Path(RUN_DIR) / "dispatch.pid").read_text())


async def test_sigkill_mid_stream_dispatches_every_case_once(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_nos: list[str] = []

    async def stream() -> None:
        for _ in range(CASES):
            body = new_case()
            resp = await http.post(f"{stack.intake}/v1/cases", json=body)
            assert resp.status_code == 201, resp.text
            case_nos.append(resp.json()["case_no"])
            await asyncio.sleep(0.01)

    feeding = asyncio.create_task(stream())
    await eventually(lambda: asyncio.sleep(0, result=len(case_nos) >= CASES // 4))
    victim = _dispatch_pid()
    os.kill(victim, signal.SIGKILL)
    await feeding
    restart = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "deploy/stack.py", "--profile", PROFILE, "up", "dispatch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert restart.returncode == 0, restart.stdout + restart.stderr
    assert _dispatch_pid() != victim

    conn = await asyncpg.connect(stack.dsn("minhu_dispatch"))
    try:

        async def all_dispatched() -> bool:
            rows = await conn.fetch(
                "SELECT case_no FROM assignments WHERE case_no = ANY($1::text[])", case_nos
            )
            return len(rows) == CASES

        await eventually(all_dispatched, timeout=60)
    finally:
        await conn.close()

    # Kafka: one distinct case.dispatched event per case, whatever was redelivered.
    ids: dict[str, set[str]] = defaultdict(set)

    async def every_case_announced() -> bool:
        ids.clear()
        for env, _ in await read_topic(stack.kafka, Topic.DISPATCHED, idle_ms=800):
            if env.subject in case_nos:
                ids[env.subject].add(env.id)
        return len(ids) == CASES

    await eventually(every_case_announced, timeout=30, interval=0.5)
    assert all(len(v) == 1 for v in ids.values()), {k: v for k, v in ids.items() if len(v) > 1}

    # Downstream: one handler notice per case.
    notify = await asyncpg.connect(stack.dsn("minhu_notify"))
    try:

        async def notified() -> list[asyncpg.Record] | None:
            rows = await notify.fetch(
                "SELECT case_no, count(*) AS n FROM notifications "
                "WHERE case_no = ANY($1::text[]) AND event_type = 'minhu.case.dispatched.v1' "
                "GROUP BY case_no",
                case_nos,
            )
            return rows if len(rows) == CASES else None

        rows = await eventually(notified, timeout=30)
        assert {r["n"] for r in rows} == {1}
    finally:
        await notify.close()
