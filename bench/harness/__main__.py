"""`make bench` (QUICK=1 for a short run): baselines, the open-loop ramp, overload at twice
the sustained rate, escalation at scale and the older benches, against a running stack.

    eval "$(.venv/bin/python deploy/stack.py --profile test-3 env)"
    .venv/bin/python -m bench.harness [--quick] [--profile test-3] [--out var/bench]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench.harness import baselines, escalation, messages, ramp, report
from bench.harness.load import Load, Tracker
from bench.harness.messages import ROOT
from bench.harness.procs import ProcSampler, stack_pids
from bench.harness.statements import Statements

FULL_RATES = (10, 25, 50, 75, 100, 125, 150, 200, 250, 300)
QUICK_RATES = (10, 25, 50, 100, 150)
IDLE_SECONDS = 15.0


def _intake_key() -> dict[str, str]:
    """Intake files cases for API clients with scope cases:write; load runs want a client
    with a high rate (python -m services.intake.clients add bench --scope cases:write
    --per-minute 600000 --burst 10000) in MINHU_BENCH_API_KEY; the demo key otherwise."""
    return {"X-API-Key": os.environ.get("MINHU_BENCH_API_KEY", "minhu-demo")}


def _others(quick: bool) -> list[tuple[str, list[str]]]:
    """The older benches, each a script under bench/, with arguments for the run's size."""
    if quick:
        return [
            ("intake_post", ["--clients", "20", "--requests", "10", "--warmup", "10"]),
            ("dispatch_accuracy", []),
            ("knowledge_topk", []),
            ("dispatch_latency", ["--cases", "50", "--rate", "20"]),
            ("notify_event_to_screen", ["20"]),
            ("desk_search", ["--rows", "20000", "--budget", "20"]),
        ]
    return [
        ("intake_post", []),
        ("dispatch_accuracy", []),
        ("dispatch_throughput", []),
        ("dispatch_corpus_cv", []),
        ("dispatch_latency", []),
        ("dispatch_difficulty", []),
        ("knowledge_topk", []),
        ("notify_event_to_screen", ["200"]),
        # A million synthetic cases in a database of their own: about half an hour to load.
        ("desk_search", ["--rows", "1000000"]),
    ]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("QUICK") == "1")
    parser.add_argument("--profile", default=os.environ.get("MINHU_PROFILE", "test-9"))
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--rates", type=float, nargs="*", help="offered rates of the ramp")
    parser.add_argument("--step-seconds", type=float)
    parser.add_argument("--escalation-cases", type=int)
    parser.add_argument(
        "--escalation-lead", type=float, help="seconds from the dispatches to the first deadline"
    )
    parser.add_argument(
        "--escalation-start-rate",
        type=float,
        default=8.0,
        help="workflow starts a second assumed when no lead is given (lead = cases / rate)",
    )
    parser.add_argument("--drain-timeout", type=float, help="seconds to wait for a step's cases")
    parser.add_argument("--all-steps", action="store_true", help="go on past a step not kept up")
    parser.add_argument(
        "--skip", nargs="*", default=[], help="baselines ramp overload escalation others"
    )
    args = parser.parse_args()
    quick = bool(args.quick)
    console = Console(stderr=True)
    env = os.environ
    intake = env.get("MINHU_INTAKE_URL", "http://127.0.0.1:8001")
    kafka = env.get("MINHU_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    temporal = env.get("MINHU_TEMPORAL_ADDRESS", "127.0.0.1:7233")
    user, password = env.get("MINHU_PG_USER", "minhu"), env.get("MINHU_PG_PASSWORD", "minhu-local")
    pg = (
        f"postgresql://{user}:{password}"
        f"@{env.get('MINHU_PG_HOST', '127.0.0.1')}:{env.get('MINHU_PG_PORT', '5432')}"
    )
    rates = tuple(args.rates or (QUICK_RATES if quick else FULL_RATES))
    seconds = args.step_seconds or (8.0 if quick else 30.0)
    drain_timeout = args.drain_timeout or (30.0 if quick else 150.0)
    esc_cases = args.escalation_cases or (300 if quick else 10000)
    source, msgs = messages.load()
    result: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": args.profile,
        "messages": {"source": source, "count": len(msgs)},
        "baselines": [],
        "idle": {},
        "ramp": [],
        "overload": None,
        "escalation": None,
        "others": {},
    }
    run_dir = ROOT / "var" / args.profile / "run"
    roots = {**stack_pids(run_dir), "bench": os.getpid()}
    sampler = ProcSampler(roots)
    sql = Statements(pg)
    phases = 5
    with Progress(
        TextColumn("{task.description:<44}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        overall = progress.add_task("bench", total=phases)
        began: dict[str, float] = {}
        result["seconds"] = {}

        def begin(name: str) -> None:
            progress.update(overall, description=name)
            began[name] = time.monotonic()

        def end(name: str) -> None:
            progress.advance(overall)
            result["seconds"][name] = round(time.monotonic() - began[name], 1)

        begin("baselines")
        if "baselines" not in args.skip:
            t = progress.add_task("raw Kafka", total=4)
            found = [await baselines.kafka(kafka, 5000 if quick else 20000)]
            progress.update(t, advance=1, description="raw Temporal")
            found += await baselines.temporal(temporal, 500 if quick else 2000)
            progress.update(t, advance=2, description="raw FastAPI + asyncpg")
            found.append(await baselines.web_insert(pg, 8.0 if quick else 20.0))
            progress.update(t, advance=1)
            result["baselines"] = [b.row() for b in found]
            await asyncio.sleep(5)  # let the servers finish what the baselines left them
        end("baselines")

        tracker = Tracker(kafka)
        await tracker.start()
        async with aiohttp.ClientSession(
            headers=_intake_key(),
            timeout=aiohttp.ClientTimeout(total=120),
            connector=aiohttp.TCPConnector(limit=4000),
        ) as http:
            load = Load(intake, msgs, messages.grid_codes(), http)
            await load.run(5, 4)  # warm-up: connections, caches, the first cases' imports
            await load.settle(30)
            await asyncio.sleep(5)  # the warm-up's cases through
            # What the stack costs doing nothing (pollers, timers, heartbeats): the steps'
            # per-case figures are also given net of it, so a step that took longer to
            # drain does not look dearer per case.
            sampler.start()
            await asyncio.sleep(IDLE_SECONDS)
            result["idle"] = {k: asdict(v) for k, v in sampler.stop().items()}
            sustained = 0.0
            begin("ramp")
            if "ramp" not in args.skip:
                for rate in rates:
                    t = progress.add_task(f"{rate:g} cases/s for {seconds:g} s", total=100)
                    s = await ramp.step(
                        load,
                        tracker,
                        sampler,
                        rate,
                        seconds,
                        drain_timeout=drain_timeout,
                        progress=progress,
                        task=t,
                        statements=sql,
                    )
                    result["ramp"].append(s.row())
                    if s.sustained():
                        sustained = rate
                    elif not args.all_steps:
                        break
            end("ramp")
            begin("overload")
            if "overload" not in args.skip and result["ramp"]:
                # Twice the sustained rate; with no step kept up, twice the first step's.
                rate = 2 * (sustained or result["ramp"][0]["offered_per_s"])
                t = progress.add_task(f"overload {rate:g}/s for {seconds:g} s", total=100)
                s = await ramp.step(
                    load,
                    tracker,
                    sampler,
                    rate,
                    seconds,
                    drain_timeout=max(drain_timeout, 3 * seconds),
                    progress=progress,
                    task=t,
                    statements=sql,
                )
                result["overload"] = s.row()
            end("overload")
        await tracker.stop()

        begin("older benches")
        if "others" not in args.skip:
            for name, extra in _others(quick):
                t = progress.add_task(f"bench/{name}.py", total=1)
                proc = await asyncio.to_thread(
                    subprocess.run,
                    [sys.executable, str(ROOT / "bench" / f"{name}.py"), *extra],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=900,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
                result["others"][name] = proc.stdout + (
                    f"\n(exit {proc.returncode}) {proc.stderr[-2000:]}" if proc.returncode else ""
                )
                progress.update(t, completed=1)
        end("older benches")

        begin("escalation at scale")
        if "escalation" not in args.skip:
            t = progress.add_task("sla restarts with the burst policy", total=100)
            escalation.restart_sla_with_burst_policy(args.profile)
            progress.update(t, description=f"{esc_cases} cases due together")
            e = await escalation.run(
                kafka,
                esc_cases,
                window=30.0 if quick else 60.0,
                lead=args.escalation_lead,
                start_rate=args.escalation_start_rate,
                tick=lambda f: progress.update(t, completed=100 * f),
            )
            result["escalation"] = e.row()
        end("escalation at scale")

    ramp_rows = result["ramp"]
    sustained_rate = max((s["offered_per_s"] for s in ramp_rows if s["sustained"]), default=0.0)
    slowest = min(result["baselines"], key=lambda b: b["per_second"], default=None)
    at50 = next((s for s in ramp_rows if s["offered_per_s"] == 50), None)
    result["summary"] = {
        "sustained_per_s": sustained_rate,
        "slowest_baseline": slowest["name"] if slowest else "—",
        "slowest_baseline_per_s": slowest["per_second"] if slowest else 0.0,
        "ratio": sustained_rate / slowest["per_second"] if slowest else 0.0,
        "e2e_p99_at_50": at50["e2e_p99_s"] if at50 else None,
    }
    folder = args.out / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = report.write(result, folder)
    print(text)
    console.print(f"[bold]written:[/] {folder}/bench.json, bench.md, bench.png")
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    rc = asyncio.run(main())
    print(f"bench took {time.monotonic() - started:.0f} s", file=sys.stderr)
    sys.exit(rc)
