"""Escalation lag under load: how late the first breach fires after its deadline.

Posts N simple cases at once through intake against a running stack whose sla service runs
the drill policy (accept within 20 s), then reads case.sla and measures, per case, the
publish time of the village-tier accept breach minus its deadline. Prints p50/p99/max.
    eval "$(.venv/bin/python deploy/stack.py --profile test-9 env)"   # stack with drill policy
    .venv/bin/python bench/sla_escalation_lag.py --cases 1000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time

import httpx
from aiokafka import AIOKafkaConsumer

from services.common.events import Topic, decode, to_datetime


async def post_all(url: str, n: int, concurrency: int) -> list[str]:
    """Post n lamp cases on 柳岸路 (simple, village tier); returns their case numbers."""
    sem = asyncio.Semaphore(concurrency)
    out: list[str] = []
    async with httpx.AsyncClient(timeout=120) as http:

        async def one(i: int) -> None:
            body = {
                "channel": "phone",
                "caller_phone": f"13{secrets.randbelow(10**9):09d}",
                "content": f"柳岸路路灯坏了，晚上很黑（压测 {i}）",
                "address": "柳岸路",
            }
            async with sem:
                resp = await http.post(f"{url}/v1/cases", json=body)
            resp.raise_for_status()
            out.append(resp.json()["case_no"])

        await asyncio.gather(*(one(i) for i in range(n)))
    return out


async def collect_breaches(bootstrap: str, wanted: set[str], timeout: float) -> dict[str, float]:
    """Lag in seconds (publish time - due) of each wanted case's first accept breach."""
    consumer = AIOKafkaConsumer(
        Topic.SLA, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    lags: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(lags) < len(wanted) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    env, payload = decode(record.value)
                    if (
                        env.subject in wanted
                        and env.subject not in lags
                        and payload.kind == "breached"  # type: ignore[attr-defined]
                        and payload.deadline == "accept"  # type: ignore[attr-defined]
                    ):
                        due = to_datetime(payload.due)  # type: ignore[attr-defined]
                        lags[env.subject] = (to_datetime(env.time) - due).total_seconds()
    finally:
        await consumer.stop()
    return lags


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    intake = os.environ.get("MINHU_INTAKE_URL", "http://127.0.0.1:8001")
    kafka = os.environ.get("MINHU_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    started = time.monotonic()
    cases = await post_all(intake, args.cases, args.concurrency)
    posted = time.monotonic() - started
    lags = await collect_breaches(kafka, set(cases), args.timeout)
    values = list(lags.values())
    print(f"cases posted: {len(cases)} in {posted:.1f}s; breaches seen: {len(values)}")
    if values:
        print(
            f"escalation lag (breach publish time - deadline): "
            f"p50 {pct(values, 0.50):.2f}s  p99 {pct(values, 0.99):.2f}s  "
            f"max {max(values):.2f}s  mean {statistics.fmean(values):.2f}s"
        )
    if len(values) < len(cases):
        raise SystemExit(f"{len(cases) - len(values)} cases showed no breach in time")


if __name__ == "__main__":
    asyncio.run(main())
