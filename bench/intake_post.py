"""POST /v1/cases latency at N concurrent clients against a running stack.

Each client posts cases back to back (fresh caller numbers, so none is a repeat call),
half of them with an Idempotency-Key. Prints p50/p95/p99 latency, throughput and status
counts. Run against your own stack, e.g.:
    eval "$(.venv/bin/python deploy/stack.py --profile test-3 env)"
    .venv/bin/python bench/intake_post.py --clients 100 --requests 20

Cases are filed as an API client with scope cases:write. The demo key (minhu-demo) has a
rate of its own that 2,000 quick posts exceed; measure with a client of a higher rate:
    .venv/bin/python -m services.intake.clients add bench --scope cases:write \
        --per-minute 600000 --burst 10000
    .venv/bin/python bench/intake_post.py --key <the printed key>
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
from collections import Counter

import httpx

PLACES = ("柳岸路", "金桥大道", "银杏路", "文昌社区", "青山镇", "桃溪村")
MATTERS = (
    "路灯坏了好几天，晚上很黑",
    "垃圾桶满了没人清运，气味很大",
    "工地夜间施工噪音很大，影响休息",
    "小区消防通道被车辆占用",
    "下水道堵塞，污水漫到路面",
)


def body(i: int) -> dict[str, object]:
    place = PLACES[i % len(PLACES)]
    return {
        "channel": "phone",
        "caller_phone": f"13{secrets.randbelow(10**9):09d}",
        "content": f"{place}{MATTERS[i % len(MATTERS)]}，请尽快处理（压测 {i}）",
        "address": place,
    }


async def client(
    http: httpx.AsyncClient, url: str, n: int, offset: int, out: list[float], codes: Counter[int]
) -> None:
    for k in range(n):
        i = offset + k
        headers = {"Idempotency-Key": f"bench-{secrets.token_hex(8)}"} if i % 2 else {}
        started = time.perf_counter()
        resp = await http.post(url, json=body(i), headers=headers)
        out.append(time.perf_counter() - started)
        codes[resp.status_code] += 1


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", default=os.environ.get("MINHU_INTAKE_URL", "http://127.0.0.1:8001")
    )
    parser.add_argument("--key", default=os.environ.get("MINHU_BENCH_API_KEY", "minhu-demo"))
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    url = args.url.rstrip("/") + "/v1/cases"
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    headers = {"X-API-Key": args.key}
    async with httpx.AsyncClient(timeout=60, limits=limits, headers=headers) as http:
        await client(http, url, args.warmup, 10**6, [], Counter())
        latencies: list[float] = []
        codes: Counter[int] = Counter()
        started = time.perf_counter()
        await asyncio.gather(
            *(
                client(http, url, args.requests, c * args.requests, latencies, codes)
                for c in range(args.clients)
            )
        )
        elapsed = time.perf_counter() - started
    print(f"POST /v1/cases, {args.clients} concurrent clients, {len(latencies)} requests")
    print(f"  statuses   {dict(codes)}")
    print(f"  throughput {len(latencies) / elapsed:.0f} req/s")
    print(
        f"  latency    p50 {pct(latencies, 0.50):.1f} ms   p95 {pct(latencies, 0.95):.1f} ms"
        f"   p99 {pct(latencies, 0.99):.1f} ms   mean {statistics.mean(latencies) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
