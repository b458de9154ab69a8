"""Where intake's CPU goes on POST /v1/cases: a second intake process of a running stack,
profiled (cProfile, CPU time) while N cases are posted to it, then its CPU per POST by
area (web framework, validation, database driver, SQLAlchemy, logging, Kafka, intake's own
code) and the functions that cost most. Run against your own stack, e.g.:
    eval "$(.venv/bin/python deploy/stack.py --profile test-9 env)"
    .venv/bin/python bench/intake_profile.py --requests 400 --key <a high-rate API key>
The profiled process joins intake's consumer group and relays its own outbox like the
stack's intake; it stops when the run is done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# The profiled process: profiling starts on SIGUSR1 and is written out on SIGUSR2, so the
# start (migrations, the segmenter's dictionary) does not count.
WRAPPER = """
import cProfile, runpy, signal, sys, time
out = sys.argv[1]
prof = cProfile.Profile(time.process_time)
signal.signal(signal.SIGUSR1, lambda *_: prof.enable())
def dump(*_):
    prof.disable()
    prof.dump_stats(out)
signal.signal(signal.SIGUSR2, dump)
sys.argv = ["services.intake"]
runpy.run_module("services.intake", run_name="__main__", alter_sys=True)
"""
AREAS = (
    ("asyncpg", ("asyncpg",)),
    ("SQLAlchemy", ("sqlalchemy",)),
    ("pydantic", ("pydantic",)),
    ("FastAPI/Starlette", ("fastapi", "starlette")),
    ("uvicorn/h11/httptools", ("uvicorn", "h11", "httptools")),
    ("logging", ("structlog", "logging")),
    ("tracing", ("opentelemetry",)),
    ("metrics", ("prometheus_client",)),
    ("Kafka", ("aiokafka", "kafka")),
    ("protobuf", ("google/protobuf",)),
    ("cryptography", ("cryptography",)),
    ("jieba", ("jieba",)),
    ("asyncio", ("asyncio",)),
    ("json", ("json",)),
    ("intake", ("services/intake",)),
    ("common", ("services/common",)),
)


def area(filename: str) -> str:
    for name, parts in AREAS:
        if any(f"/{p}/" in filename or f"/{p}." in filename for p in parts):
            return name
    return "other" if filename.startswith("/") else "builtins"


def body(i: int) -> dict[str, object]:
    return {
        "channel": "web",
        "caller_phone": f"13{secrets.randbelow(10**9):09d}",
        "title": "路灯不亮",
        "content": f"柳岸路靠近柳岸花园门口的路灯坏了一个星期了，晚上很黑（剖析 {i}）",
        "grid_code": "G-D01-T01-V01-01",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def post_all(url: str, key: str, n: int, concurrency: int) -> dict[int, int]:
    codes: dict[int, int] = {}
    todo = iter(range(n))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits, headers={"X-API-Key": key}) as http:

        async def worker() -> None:
            for i in todo:
                resp = await http.post(f"{url}/v1/cases", json=body(i))
                codes[resp.status_code] = codes.get(resp.status_code, 0) + 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return codes


async def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the profiled intake exited ({proc.returncode})")
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("the profiled intake did not get ready")


def report(path: Path, n: int, top: int) -> None:
    stats = pstats.Stats(str(path))
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in raw.values())
    by_area: dict[str, float] = {}
    for (filename, _, _), (_, _, tt, _, _) in raw.items():
        by_area[area(filename)] = by_area.get(area(filename), 0.0) + tt
    print(f"profiled intake: {1000 * total / n:.1f} ms CPU per POST over {n} POSTs")
    print("by area (own time), ms per POST:")
    for name, tt in sorted(by_area.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<24} {1000 * tt / n:6.2f}  ({100 * tt / total:4.1f} %)")
    rows = sorted(raw.items(), key=lambda kv: -kv[1][3])
    print(f"cumulative, ms per POST (top {top} of intake's and common's functions):")
    shown = 0
    for (filename, line, func), (_, calls, _, ct, _) in rows:
        if "services/" not in filename:
            continue
        where = filename.split("services/", 1)[1]
        print(f"  {1000 * ct / n:6.2f}  {calls / n:5.1f} calls  {where}:{line} {func}")
        shown += 1
        if shown >= top:
            break
    print(f"own time, ms per POST (top {top}):")
    for (filename, line, func), (_, calls, tt, _, _) in sorted(
        raw.items(), key=lambda kv: -kv[1][2]
    )[:top]:
        name = Path(filename).name
        print(f"  {1000 * tt / n:6.2f}  {calls / n:5.1f} calls  {name}:{line} {func}")


def start(out: Path, port: int) -> subprocess.Popen[bytes]:
    """The profiled intake on its own port."""
    env = {**os.environ, "MINHU_INTAKE_PORT": str(port), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WRAPPER, str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", default=os.environ.get("MINHU_BENCH_API_KEY", "minhu-demo"))
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="also keep the raw profile here")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    out = Path(tempfile.mkdtemp()) / "intake.prof"
    proc = start(out, port)
    try:
        await wait_ready(url, proc)
        await post_all(url, args.key, args.warmup, args.concurrency)
        proc.send_signal(signal.SIGUSR1)
        await asyncio.sleep(0.5)
        codes = await post_all(url, args.key, args.requests, args.concurrency)
        proc.send_signal(signal.SIGUSR2)
        for _ in range(100):
            if out.exists() and out.stat().st_size:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(f"statuses {codes}")
    if args.keep:
        args.keep.write_bytes(out.read_bytes())
    report(out, args.requests, args.top)


if __name__ == "__main__":
    asyncio.run(main())
