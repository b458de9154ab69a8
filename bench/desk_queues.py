"""Desk work-list latency (队列: tab counts and one page of a tab) on the board that
bench/desk_search.py loaded, for a unit, a township, the district and everyone.

    .venv/bin/python deploy/stack.py --profile test-5 up postgres
    eval "$(.venv/bin/python deploy/stack.py --profile test-5 env)"
    .venv/bin/python bench/desk_search.py --rows 200000 --only case_no   # load once
    .venv/bin/python bench/desk_queues.py                                # then measure
    .venv/bin/python deploy/stack.py --profile test-5 down

Brings the bench database to the desk's head migration first (the lists' indexes), then
times the desk's own code (services.desk.board.queries.tab_counts and listed) for every
role's tabs, on the first page and a far one, unfiltered, with a light and with words.
Prints a Markdown table; the figures are reported, never asserted.
Without MINHU_PG_HOST in the environment it says so and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.common.db import make_engine, make_sessionmaker, migrate
from services.common.settings import CommonSettings
from services.desk import tables
from services.desk.board import queries
from services.desk.board.listing import ListQuery, tabs_of
from services.desk.board.queries import Scope

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "services/desk/migrations/versions"
SCOPES = {
    "unit": ("handler", Scope("unit", "U-D01-T01-V01")),
    "township": ("supervisor", Scope("township", "D01-T01")),
    "district": ("supervisor", Scope("district", "D01")),
    "all": ("admin", Scope("all")),
}


async def timed(call: Any, runs: int) -> tuple[float, float]:
    """(median, max) milliseconds of `runs` awaits of call()."""
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()
        took.append((time.perf_counter() - t0) * 1000)
    return statistics.median(took), max(took)


async def bench(url: str, runs: int) -> list[dict[str, Any]]:
    engine = make_engine(url, pool_size=2)
    sessions = make_sessionmaker(engine)
    out: list[dict[str, Any]] = []
    try:
        for name, (role, scope) in SCOPES.items():
            tabs = tuple(t for t in tabs_of(role) if t != "arbitration")

            async def counts(scope: Scope = scope, tabs: tuple[str, ...] = tabs) -> None:
                async with sessions() as s:
                    await queries.tab_counts(s, scope, tabs)

            mid, worst = await timed(counts, runs)
            out.append({"scope": name, "what": "tab counts", "p50_ms": mid, "max_ms": worst})
            for tab in tabs:
                for label, q in (
                    ("page 1", ListQuery(tab)),
                    ("page 20", ListQuery(tab, page=20)),
                    ("red", ListQuery(tab, light="red")),
                    ("words", ListQuery(tab, text="路灯")),
                ):

                    async def page(scope: Scope = scope, q: ListQuery = q) -> None:
                        async with sessions() as s:
                            await queries.listed(s, scope, q)

                    mid, worst = await timed(page, runs)
                    out.append(
                        {"scope": name, "what": f"{tab} {label}", "p50_ms": mid, "max_ms": worst}
                    )
    finally:
        await engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", default="minhu_desk_bench", help="bench database name")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement")
    args = parser.parse_args()
    if "MINHU_PG_HOST" not in os.environ:
        print("desk_queues: MINHU_PG_HOST is not set (eval the env of a stack profile); skipped")
        return 0
    url = CommonSettings().database_url(args.database)
    migrate(url, MIGRATIONS, tables.metadata)
    rows = asyncio.run(bench(url, args.runs))
    print("| scope | list | p50 ms | max ms |\n|---|---|---:|---:|")
    for r in rows:
        print(f"| {r['scope']} | {r['what']} | {r['p50_ms']:.1f} | {r['max_ms']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
