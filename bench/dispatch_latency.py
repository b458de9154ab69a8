"""End-to-end dispatch latency against a running stack: POST to intake -> case.dispatched
read back from Kafka. Needs the MINHU_* addresses of a stack profile in the environment:

    .venv/bin/python deploy/stack.py --profile test-1 up
    eval "$(.venv/bin/python deploy/stack.py --profile test-1 env)"
    .venv/bin/python bench/dispatch_latency.py --cases 300 --rate 50
    .venv/bin/python deploy/stack.py --profile test-1 down

Without those variables it says so and exits 0, so `make bench` runs on a bare checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from aiokafka import AIOKafkaConsumer

from services.common.events import decode

MESSAGES = [
    ("路灯不亮", "柳岸路靠近柳岸花园门口的路灯坏了一个星期，晚上很黑。", "柳岸路"),
    ("物业费上涨", "望湖苑物业没有开业主大会就把物业费涨了一块钱，请督促说明。", "望湖苑"),
    ("拖欠工资", "兴业工业园一家工厂拖欠我两个月工资，老板一直推脱。", "兴业路"),
    ("噪音扰民", "东城大道工地每天夜里十二点还在打桩，吵得睡不着。", "东城大道"),
    ("学校收费", "东城中学开学要求每个学生交三百元资料费，没有收据。", "书院巷"),
]


def _intake_key() -> dict[str, str]:
    """Intake files cases for API clients with scope cases:write; load runs want a client
    with a high rate (python -m services.intake.clients add bench --scope cases:write
    --per-minute 600000 --burst 10000) in MINHU_BENCH_API_KEY; the demo key otherwise."""
    return {"X-API-Key": os.environ.get("MINHU_BENCH_API_KEY", "minhu-demo")}


async def run(cases: int, rate: float) -> None:
    """Post cases at a steady rate and time each until its case.dispatched is read."""
    intake, kafka = os.environ["MINHU_INTAKE_URL"], os.environ["MINHU_KAFKA_BOOTSTRAP"]
    consumer = AIOKafkaConsumer(
        "case.dispatched", bootstrap_servers=kafka, group_id=None, auto_offset_reset="latest"
    )
    await consumer.start()
    await consumer.seek_to_end()
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}

    async def read() -> None:
        while len(seen) < cases:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    env, _ = decode(record.value)
                    seen.setdefault(env.subject, now)

    reader = asyncio.create_task(read())
    # Fresh numbers every run: intake folds a caller's repeat calls into the first case.
    seed = random.randrange(10**8)
    async with httpx.AsyncClient(timeout=10, headers=_intake_key()) as http:
        for i in range(cases):
            title, content, address = MESSAGES[i % len(MESSAGES)]
            start = time.perf_counter()
            resp = await http.post(
                f"{intake}/v1/cases",
                json={
                    "channel": "phone",
                    "caller_phone": f"13{(seed + i) % 10**9:09d}",
                    "title": title,
                    "content": f"{content}（第{i}次）",
                    "address": address,
                },
            )
            resp.raise_for_status()
            sent[resp.json()["case_no"]] = start
            await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - start)))
        try:
            await asyncio.wait_for(reader, timeout=60)
        except TimeoutError:
            print(f"only {len(seen)} of {cases} cases dispatched within 60 s")
    await consumer.stop()
    lat = sorted((seen[c] - t) * 1000 for c, t in sent.items() if c in seen)
    if len(lat) < 2:
        print(f"{len(lat)} of {len(sent)} posted cases seen on case.dispatched: nothing to measure")
        return
    p = statistics.quantiles(lat, n=100)
    print(f"{len(lat)} cases at {rate:.0f}/s: intake POST -> case.dispatched on Kafka")
    print(
        f"p50 {statistics.median(lat):.0f} ms  p90 {p[89]:.0f} ms  p99 {p[98]:.0f} ms  "
        f"max {lat[-1]:.0f} ms"
    )


def main() -> None:
    """Parse arguments; skip politely when no stack is configured."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    if "MINHU_INTAKE_URL" not in os.environ:
        print("no stack configured (MINHU_INTAKE_URL unset): see this file's docstring; skipped")
        return
    asyncio.run(run(args.cases, args.rate))


if __name__ == "__main__":
    main()
