"""Intake over its limit: what gets no place is refused at once with 503 and Retry-After, and
every case it acknowledged is stored and dispatched."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.intake.admission import OVERLOADED
from tests.support import StackAddresses, eventually, new_case, stack_command

BURST = 30


@pytest.fixture
async def narrow_intake() -> AsyncIterator[None]:
    """intake with two places for writes and no wait for one, for this test only."""
    narrow = {
        **os.environ,
        "MINHU_INTAKE_WRITES_IN_FLIGHT": "2",
        "MINHU_INTAKE_ADMISSION_WAIT": "0",
    }
    await stack_command("restart", "intake", env=narrow)
    try:
        yield
    finally:
        plain = {
            k: v
            for k, v in os.environ.items()
            if k not in ("MINHU_INTAKE_WRITES_IN_FLIGHT", "MINHU_INTAKE_ADMISSION_WAIT")
        }
        await stack_command("restart", "intake", env=plain)


async def test_a_burst_over_the_limit_is_partly_refused_and_nothing_acknowledged_is_lost(
    stack: StackAddresses, http: httpx.AsyncClient, narrow_intake: None
) -> None:
    title = f"柳岸路路灯不亮（{secrets.token_hex(3)}）"
    answers = await asyncio.gather(
        *(http.post(f"{stack.intake}/v1/cases", json=new_case(title=title)) for _ in range(BURST))
    )
    codes = [r.status_code for r in answers]
    assert set(codes) <= {201, 503}, codes
    refused = [r for r in answers if r.status_code == 503]
    accepted = [r.json()["case_no"] for r in answers if r.status_code == 201]
    assert refused and accepted, codes
    for r in refused:
        assert r.headers["retry-after"] == "2"
        assert r.json() == {"code": "overloaded", "message": OVERLOADED, "errors": []}
    # Probes and reads are never held back.
    assert (await http.get(f"{stack.intake}/readyz")).status_code == 200
    conn = await asyncpg.connect(stack.dsn("minhu_dispatch"))
    try:

        async def all_dispatched() -> bool:
            rows = await conn.fetch(
                "SELECT case_no FROM assignments WHERE case_no = ANY($1::text[])", accepted
            )
            return len(rows) == len(accepted)

        await eventually(all_dispatched, timeout=60)
    finally:
        await conn.close()
    # A refusal stored nothing: intake holds exactly the acknowledged cases of the burst.
    intake = await asyncpg.connect(stack.dsn("minhu_intake"))
    try:
        stored = await intake.fetch("SELECT case_no FROM cases WHERE title = $1", title)

    finally:
        await intake.close()
    assert sorted(r["case_no"] for r in stored) == sorted(accepted)
