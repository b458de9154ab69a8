"""Desk work-list latency (队列: tab counts and one page of a tab) on the board that
bench/desk_search.py loaded, for a unit, a township, the district and everyone.

    .venv/bin/python deploy/stack.py --profile test-5 up postgres
    eval "$(.venv/bin/python deploy/stack.py --profile test-5 env)"
    .venv/bin/python bench/desk_search.py --rows 200000 --only case_no   # load once
    .venv/bin/python bench/desk_queues.py                                # then measure
    .venv/bin/python bench/desk_queues.py --synthetic 300000 --database minhu_desk_queues
    .venv/bin/python deploy/stack.py --profile test-5 down

Brings the bench database to the desk's head migration first (the lists' indexes), then
times the desk's own code (services.desk.board.queries.tab_counts and listed) for every
role's tabs, on the first page and a far one, unfiltered, with a light and with words.
--synthetic N instead fills a fresh database with N plain board rows (units, states, lights,
topics and callers' consent spread by SQL, titles from a few street matters): quicker to
load, without the search bench's texts. Prints a Markdown table; the figures are reported,
never asserted.
Without MINHU_PG_HOST in the environment it says so and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

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


SYNTHETIC = """
INSERT INTO board_cases (case_no, unit_id, unit_name, tier, district_id, township_id, topic,
  difficulty, state, light, accept_due, resolve_due, extension_pending, dispatched_at,
  resolved_at, closed_at, received_at, title, address, updated_at)
SELECT lpad(n::text, 14, '0'), u.id, u.id, 'village', 'D01', u.township,
  (ARRAY['城乡建设','交通运输','环境保护','民政','卫生计生'])[1 + n % 5], 'general',
  (ARRAY['closed','closed','closed','closed','closed','closed','resolved','accepted',
         'dispatched','manual'])[1 + (n / 7) % 10],
  (ARRAY['green','green','yellow','red'])[1 + n % 4],
  now() + ((n % 200) || ' hours')::interval, now() + ((n % 900) || ' hours')::interval,
  n % 97 = 0, now() - ((n % 5000) || ' hours')::interval,
  now() - ((n % 3000) || ' hours')::interval, now() - ((n % 2000) || ' hours')::interval,
  now() - ((n % 6000) || ' hours')::interval,
  (ARRAY['路灯不亮','井盖缺失','噪音扰民','垃圾未清运','占道经营'])[1 + n % 5],
  (ARRAY['柳岸路','金桥路','石塘村口','东城大道','青山街'])[1 + (n / 3) % 5] || n % 100 || '号',
  now()
FROM generate_series(1, :rows) AS n
JOIN (VALUES (0, 'U-D01-T01-V01', 'D01-T01'), (1, 'U-D01-T01-V02', 'D01-T01'),
             (2, 'U-D01-T02-V01', 'D01-T02'), (3, 'U-D01-T03-V01', 'D01-T03'),
             (4, 'U-D01-T01', 'D01-T01'), (5, 'U-D01-ZJJ', ''))
  AS u(k, id, township) ON u.k = n % 6
"""
CALLERS = """
INSERT INTO record_callers (case_no, callback_consent)
SELECT case_no, (hashtext(case_no) % 3 = 0) FROM board_cases
"""


async def fill(url: str, rows: int) -> None:
    """A fresh board of `rows` plain cases and their callers, then ANALYZE."""
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("TRUNCATE board_cases, record_callers"))
            await conn.execute(sa.text(SYNTHETIC), {"rows": rows})
            await conn.execute(sa.text(CALLERS))
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text("VACUUM ANALYZE board_cases"))
            await conn.execute(sa.text("VACUUM ANALYZE record_callers"))
    finally:
        await engine.dispose()


async def created(name: str) -> None:
    """The database, made if missing."""
    engine = make_engine(CommonSettings().database_url("postgres"), pool_size=1)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            found = await conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not found:
                await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", default="minhu_desk_bench", help="bench database name")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--synthetic", type=int, default=0, help="fill N plain board rows")
    args = parser.parse_args()
    if "MINHU_PG_HOST" not in os.environ:
        print("desk_queues: MINHU_PG_HOST is not set (eval the env of a stack profile); skipped")
        return 0
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database: lower-case letters, digits and _ only")
    url = CommonSettings().database_url(args.database)
    if args.synthetic:
        asyncio.run(created(args.database))
    migrate(url, MIGRATIONS, tables.metadata)
    if args.synthetic:
        asyncio.run(fill(url, args.synthetic))
    rows = asyncio.run(bench(url, args.runs))
    print("| scope | list | p50 ms | max ms |\n|---|---|---:|---:|")
    for r in rows:
        print(f"| {r['scope']} | {r['what']} | {r['p50_ms']:.1f} | {r['max_ms']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
