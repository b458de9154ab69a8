"""Dependencies lost and back, on the real stack: while PostgreSQL, Kafka or Temporal is down
the services start, answer their liveness probe and say which dependency is missing
(/readyz 503), intake refuses with 503, Retry-After and Chinese words instead of failing; when
the server returns each becomes ready by itself and the held-up work flows, a case's deadlines
counted from its dispatch, not from when Temporal was back.

These tests stop and start servers, so they run after the rest of the suite (conftest moves
them to the end) and leave every server running, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.common import events
from services.common.events import Topic
from services.sla.consumer import dispatched_at
from services.sla.domain import WorkingCalendar, load_policy
from services.sla.domain.deadlines import compute_deadlines
from tests.support import (
    AS_INTAKE,
    DRILL_POLICY,
    StackAddresses,
    eventually,
    get_json,
    new_case,
    read_topic,
    stack_command,
)

# Servers take a while to come back on a loaded machine; the services then reconnect with
# backoff (up to 10 s between attempts).
BACK = 180.0


def plain_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "MINHU_SLA_POLICY"}


async def readiness(http: httpx.AsyncClient, base: str) -> httpx.Response:
    return await http.get(f"{base}/readyz")


async def not_ready_for(http: httpx.AsyncClient, base: str, dependency: str) -> dict[str, Any]:
    """The service answers its probes, and says it is not ready for want of `dependency`."""
    assert (await http.get(f"{base}/healthz")).json() == {"status": "ok"}

    async def down() -> dict[str, Any] | None:
        resp = await readiness(http, base)
        if resp.status_code != 503:
            return None
        body: dict[str, Any] = resp.json()
        return body if dependency in body["down"] else None

    body = await eventually(down, timeout=30, interval=1)
    assert body["status"] == "not ready"
    assert body["checks"][dependency] != "ok"
    return body


async def ready_again(http: httpx.AsyncClient, base: str) -> None:
    async def ready() -> bool:
        return (await readiness(http, base)).status_code == 200

    await eventually(ready, timeout=BACK, interval=2)


async def keeping_up(*names: str, then: Callable[[], Awaitable[None]] | None = None) -> None:
    """Leave the servers (and the services) running, as the rest of the stack expects."""
    await stack_command("up", *names, env=plain_env())
    if then is not None:
        await then()


async def file_case(http: httpx.AsyncClient, stack: StackAddresses) -> str:
    resp = await http.post(f"{stack.intake}/v1/cases", json=new_case())
    assert resp.status_code == 201, resp.text
    return str(resp.json()["case_no"])


async def test_intake_refuses_politely_while_postgres_is_down_and_recovers(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    try:
        await stack_command("down", "postgres")
        for _ in range(3):  # however the pool meets the loss, never a 500 and never a 201
            resp = await http.post(f"{stack.intake}/v1/cases", json=new_case())
            assert resp.status_code == 503, resp.text
            assert int(resp.headers["Retry-After"]) > 0
            body = resp.json()
            assert body["code"] == "unavailable"
            assert body["message"] == "系统繁忙，请稍后重试"
        await not_ready_for(http, stack.intake, "postgres")
        await stack_command("up", "postgres")
        await ready_again(http, stack.intake)

        case_no = await file_case(http, stack)

        async def dispatched() -> dict[str, Any] | None:
            status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
            return status if status and status["accept_due"] else None

        status = await eventually(dispatched, timeout=60, interval=1)
        assert status["state"] == "dispatched"
    finally:
        await keeping_up("postgres")


async def test_a_service_started_while_kafka_is_down_becomes_ready_and_consumes(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    try:
        await stack_command("down", "kafka")
        # Started without Kafka: it must not wait for it to answer its probes.
        await stack_command("restart", "--live", "notify", env=plain_env())
        await not_ready_for(http, stack.notify, "kafka")
        # Intake still takes cases (its outbox keeps them until Kafka is back).
        case_no = await file_case(http, stack)
        await stack_command("up", "kafka")
        await ready_again(http, stack.notify)

        async def told() -> list[dict[str, Any]] | None:
            url = f"{stack.notify}/v1/cases/{case_no}/notifications"
            notes = await get_json(http, url, AS_INTAKE) or []
            return [n for n in notes if n["channel"] == "in_app"] or None

        notes = await eventually(told, timeout=BACK, interval=2)
        assert notes[0]["event_type"] == "minhu.case.dispatched.v1"
    finally:
        await keeping_up("kafka", "notify")


async def first_deadlines(stack: StackAddresses, case_no: str) -> Any | None:
    for env, payload in await read_topic(stack.kafka, Topic.SLA, idle_ms=800):
        if env.subject == case_no and payload.kind == "deadlines_set":
            return payload
    return None


async def test_a_case_dispatched_while_temporal_is_down_counts_from_its_dispatch(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    drill = {**os.environ, "MINHU_SLA_POLICY": DRILL_POLICY}
    try:
        await stack_command("down", "temporal")
        await stack_command("restart", "--live", "sla", env=drill)
        await not_ready_for(http, stack.sla, "temporal")
        resp = await http.get(f"{stack.sla}/v1/cases/20260101000001")  # needs Temporal: 503
        assert resp.status_code == 503 and resp.json()["dependency"] == "temporal"

        case_no = await file_case(http, stack)

        async def dispatch_of() -> tuple[Any, Any] | None:
            for env, payload in await read_topic(stack.kafka, Topic.DISPATCHED, idle_ms=800):
                if env.subject == case_no:
                    return env, payload
            return None

        env, dispatch = await eventually(dispatch_of, timeout=60, interval=1)
        # Held up well past the drill's accept deadline: counted from the workflow's start,
        # the deadline would fall after Temporal is back.
        await asyncio.sleep(40)
        await stack_command("up", "temporal")
        back = datetime.now(UTC)
        await ready_again(http, stack.sla)

        deadlines = await eventually(lambda: first_deadlines(stack, case_no), timeout=BACK)
        policy = load_policy(Path(DRILL_POLICY))
        expected = compute_deadlines(
            policy,
            WorkingCalendar.from_policy(policy),
            difficulty=dispatch.difficulty,
            urgent=dispatch.urgent,
            start=dispatched_at(env, dispatch),
        )
        accept_due = events.to_datetime(deadlines.accept_due)
        assert abs(accept_due - expected.accept_due) < timedelta(seconds=1), (
            accept_due,
            expected,
        )
        assert accept_due < back
        status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
        assert status and status["case_no"] == case_no
    finally:
        await stack_command("up", "temporal", env=plain_env())
        await stack_command("restart", "sla", env=plain_env())
