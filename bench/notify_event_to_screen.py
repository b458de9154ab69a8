"""Event-to-screen latency: from POST /v1/cases at intake to the queue UI's SSE message about
that case reaching a signed-in client (intake outbox -> Kafka -> dispatch -> Kafka -> board
projector (desk) -> PostgreSQL NOTIFY -> SSE). Prints p50/p95/p99 over N cases.

    MINHU_PROFILE=test-9 python bench/notify_event_to_screen.py [N]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import statistics
import sys
import time

import httpx

INTAKE = os.environ.get("MINHU_INTAKE_URL", "http://127.0.0.1:8001")
DESK = os.environ.get("MINHU_DESK_URL", "http://127.0.0.1:8006")
USER, PASSWORD = "liuan", "minhu-demo"


def _intake_key() -> dict[str, str]:
    """Intake files cases for API clients with scope cases:write; load runs want a client
    with a high rate (python -m services.intake.clients add bench --scope cases:write
    --per-minute 600000 --burst 10000) in MINHU_BENCH_API_KEY; the demo key otherwise."""
    return {"X-API-Key": os.environ.get("MINHU_BENCH_API_KEY", "minhu-demo")}


async def sign_in(ui: httpx.AsyncClient) -> None:
    """Sign in at the desk through its login form (with the form's CSRF token)."""
    form = await ui.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    token = found.group(1) if found else ""
    resp = await ui.post("/login", data={"username": USER, "password": PASSWORD, "csrf": token})
    if resp.status_code != 303:
        raise SystemExit(f"desk login failed ({resp.status_code})")


def body() -> dict[str, object]:
    return {
        "channel": "phone",
        "caller_phone": f"137{secrets.randbelow(10**8):08d}",
        "title": "路灯不亮",
        "content": "柳岸路靠近柳岸花园门口的路灯坏了，晚上很黑，请尽快修理。",
        "address": "柳岸路柳岸花园门口",
    }


async def main(n: int) -> None:
    seen: dict[str, float] = {}
    arrived = asyncio.Event()
    async with httpx.AsyncClient(base_url=DESK, timeout=None) as ui:
        await sign_in(ui)

        async def listen() -> None:
            async with ui.stream("GET", "/ui/stream") as resp:
                async for line in resp.aiter_lines():
                    if line.startswith("data: "):
                        change = json.loads(line[6:])
                        no = change.get("case_no")
                        if no and no not in seen:
                            seen[no] = time.perf_counter()
                            arrived.set()

        listener = asyncio.create_task(listen())
        await asyncio.sleep(1.0)
        latencies = []
        async with httpx.AsyncClient(base_url=INTAKE, timeout=30, headers=_intake_key()) as intake:
            for _ in range(n):
                start = time.perf_counter()
                resp = await intake.post("/v1/cases", json=body())
                case_no = resp.json()["case_no"]
                deadline = start + 30
                while case_no not in seen and time.perf_counter() < deadline:
                    arrived.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(arrived.wait(), timeout=1.0)
                if case_no in seen:
                    latencies.append((seen[case_no] - start) * 1000)
                await asyncio.sleep(0.05)
        listener.cancel()
    if not latencies:
        print("no case reached the screen")
        return
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    print(f"event-to-screen over {len(latencies)}/{n} cases (POST /v1/cases -> SSE message):")
    print(
        f"  p50 {q[49]:.0f} ms   p95 {q[94]:.0f} ms   p99 {q[98]:.0f} ms"
        f"   max {latencies[-1]:.0f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
