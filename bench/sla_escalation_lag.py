"""Escalation lag at scale: how late each accept breach is announced after its deadline.

Restarts the running stack's sla processes with the burst policy (the drill policy with an
hour to accept simple cases, bench/harness/escalation.py), announces N dispatches (simple,
village tier) dated so that their accept deadlines fall due evenly within one window, and
prints p50/p99/max of breach publish time minus deadline. 10,000 cases in one minute by
default (as `make bench` runs it); --quick: 1,000.
    .venv/bin/python deploy/stack.py --profile test-9 up
    eval "$(.venv/bin/python deploy/stack.py --profile test-9 env)"
    .venv/bin/python bench/sla_escalation_lag.py [--quick | --cases N --window S]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import escalation


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("QUICK") == "1")
    parser.add_argument("--cases", type=int, help="10,000 (1,000 with --quick)")
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--profile", default=os.environ.get("MINHU_PROFILE", "test-9"))
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--start-rate",
        type=float,
        default=8.0,
        help="workflow starts a second assumed: the first deadline is cases / rate s away",
    )
    args = parser.parse_args()
    cases = args.cases or (1000 if args.quick else 10000)
    kafka = os.environ.get("MINHU_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    escalation.restart_sla_with_burst_policy(args.profile)
    r = await escalation.run(
        kafka, cases, window=args.window, start_rate=args.start_rate, timeout=args.timeout
    )
    print(f"{r.cases} cases due within {r.window_s:.0f} s; breaches seen: {r.breaches}")
    print(
        f"escalation lag (breach publish time - deadline): p50 {r.p50_s:.2f}s  "
        f"p99 {r.p99_s:.2f}s  max {r.max_s:.2f}s; workflows all running after {r.started_in_s}s"
    )
    if r.late_starts:
        print(
            f"{r.late_starts} workflows started after their deadline; over the cases open at "
            f"their deadline: p50 {r.open_p50_s:.2f}s  p99 {r.open_p99_s:.2f}s"
        )
    if r.breaches < r.cases:
        raise SystemExit(f"{r.cases - r.breaches} cases showed no breach in time")


if __name__ == "__main__":
    asyncio.run(main())
