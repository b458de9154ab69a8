"""Classification throughput on one core: classify + route + explain, as the service does.

Uses the real unlabelled messages in ../shared/data as load (read at run time). Run:
    .venv/bin/python bench/dispatch_throughput.py [--data ../shared/data] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.dispatch.domain import (
    CaseText,
    Directory,
    RoutingPolicy,
    explain,
    route,
)
from services.dispatch.domain.hybrid import HybridClassifier


def main() -> None:
    """Print cases per second on one pinned core, with and without routing."""
    parser = argparse.ArgumentParser()
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, honestly
    classifier = HybridClassifier.load()
    directory, policy = Directory.from_file(), RoutingPolicy.from_file()
    with (args.data / "messages_unlabelled.jsonl").open(encoding="utf-8") as fh:
        cases = [CaseText(r["title"], r["text"]) for r in map(json.loads, fh)]
    chars = sum(len(c.content) for c in cases) / len(cases)
    print(f"{len(cases)} real messages, mean {chars:.0f} characters, x{args.repeat}")
    for c in cases[:50]:  # warm caches
        classifier.classify(c)
    n = args.repeat * len(cases)

    def classify_only() -> None:
        for _ in range(args.repeat):
            for c in cases:
                classifier.classify(c)

    def full_path() -> None:
        for _ in range(args.repeat):
            for c in cases:
                result = classifier.classify(c)
                explain(result, route(result, c, directory, policy))

    # CPU seconds of this process measure one core's capacity even on a busy machine;
    # wall-clock figures are printed beside them and drop when other work shares the core.
    for name, run in (("classify only", classify_only), ("classify + route + explain", full_path)):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{name:<28} {n / cpu:6.0f} cases per CPU-second   ({n / wall:6.0f}/s wall clock)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
