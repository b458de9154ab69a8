"""Database statements per case, from pg_stat_statements when the stack's PostgreSQL loads it
(MINHU_PG_STATEMENTS=1, as deploy/bench.sh starts it): calls and execution time of each
statement over one ramp step, per database, so a lever that saves round trips shows as
fewer calls per case."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import asyncpg

QUERY = """
SELECT d.datname AS db, s.calls, s.total_exec_time AS ms, s.query
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname LIKE 'minhu\\_%'
"""


@dataclass
class Statements:
    """Resets the counters when a step starts and reads them when it ends."""

    dsn: str  # postgresql://user:password@host:port (no database)
    available: bool = True

    async def _conn(self) -> Any:
        return await asyncpg.connect(f"{self.dsn}/postgres")

    async def reset(self) -> None:
        """Zero the counters; without the extension, note it and do nothing from then on."""
        if not self.available:
            return
        try:
            conn = await self._conn()
        except (OSError, asyncpg.PostgresError):
            self.available = False
            return
        try:
            await conn.execute("SELECT pg_stat_statements_reset()")
        except asyncpg.PostgresError:
            self.available = False
        finally:
            await conn.close()

    async def read(self, cases: int, top: int = 25) -> dict[str, Any]:
        """Calls per case by database, and the statements called most, per case."""
        if not self.available:
            return {}
        conn = await self._conn()
        try:
            rows = await conn.fetch(QUERY)
        except asyncpg.PostgresError:
            return {}
        finally:
            with contextlib.suppress(OSError):
                await conn.close()
        n = max(cases, 1)
        by_db: dict[str, float] = {}
        for r in rows:
            by_db[r["db"]] = by_db.get(r["db"], 0) + r["calls"]
        busiest = sorted(rows, key=lambda r: r["calls"], reverse=True)[:top]
        return {
            "calls_per_case": {db: round(c / n, 1) for db, c in sorted(by_db.items())},
            "top": [
                {
                    "db": r["db"],
                    "calls_per_case": round(r["calls"] / n, 2),
                    "ms_per_case": round(r["ms"] / n, 3),
                    "query": " ".join(r["query"].split())[:160],
                }
                for r in busiest
            ],
        }
