"""`make chaos` (QUICK=1: short): the fault drill against a running stack of a test profile.

    eval "$(.venv/bin/python deploy/stack.py --profile test-8 env)"
    .venv/bin/python -m bench.chaos --profile test-8 [--quick] [--faults dispatch,kafka]

Writes var/chaos/<time>/chaos.{md,json}; exits 1 on any lost or duplicated case, duplicate
SMS, case out of order, fault not recovered or event left in an outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.chaos import drill, faults
from bench.chaos.verdict import as_json, failed, markdown

ROOT = Path(__file__).resolve().parents[2]
# The load files cases as an API client of its own, above the demo key's rate.
KEY_LINE = "key (shown once, keep it secret): "


def api_key(name: str) -> str:
    """MINHU_CHAOS_API_KEY, else a new intake API client allowed the drill's rate."""
    if os.environ.get("MINHU_CHAOS_API_KEY"):
        return os.environ["MINHU_CHAOS_API_KEY"]
    out = subprocess.run(
        [
            *(sys.executable, "-m", "services.intake.clients", "add", name),
            *("--scope", "cases:write", "--scope", "cases:read"),
            *("--per-minute", "600000", "--burst", "10000"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return next(line[len(KEY_LINE) :] for line in out.splitlines() if line.startswith(KEY_LINE))


def settings(args: argparse.Namespace) -> drill.Settings:
    names = args.faults.split(",") if args.faults else faults.FULL
    if args.quick:
        plan = faults.plan(names, hold=5, pause=20, away=30)
        return drill.Settings(args.profile, plan, rate=args.rate or 2, warmup=5, settle=5)
    # Full: the gateway away for ten minutes (MINHU_NOTIFY_RETRY_SCHEDULE reaches past it).
    plan = faults.plan(names, hold=10, pause=30, away=600)
    return drill.Settings(
        args.profile, plan, rate=args.rate or 3, warmup=20, settle=10, drain_timeout=900
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=os.environ.get("MINHU_PROFILE", "test-8"))
    parser.add_argument("--quick", action="store_true", help="short holds and outages")
    parser.add_argument("--faults", default="", help=f"comma-separated; default {faults.FULL}")
    parser.add_argument("--rate", type=float, default=0.0, help="cases a second")
    args = parser.parse_args()
    s = settings(args)
    key = api_key(f"chaos-{datetime.now(UTC):%Y%m%d%H%M%S}")
    outcome = asyncio.run(drill.run(s, dict(os.environ), key))
    out = ROOT / "var" / "chaos" / f"{outcome.started:%Y%m%d-%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    table = markdown(outcome.rows, outcome.facts)
    (out / "chaos.md").write_text(table, encoding="utf-8")
    report = as_json(outcome.rows, outcome.facts, profile=s.profile, rate=s.rate, quick=args.quick)
    report.update(outcome.summary())
    (out / "chaos.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(table)
    print(f"written to {out}")
    problems = failed(outcome.rows, outcome.facts)
    for p in problems:
        print(f"FAILED: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
