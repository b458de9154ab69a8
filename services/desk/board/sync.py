"""Completes board rows with what only sla knows (deadlines after acceptance, extensions)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from services.common.logging import get_logger
from services.desk.board.projector import announce
from services.desk.tables import cases

log = get_logger(__name__)
# A case sla has never heard of (not started yet, or manual) is given up after this many tries.
MAX_TRIES = 40
# sla announces deadlines itself (deadlines_set); only rows that stayed stale this long,
# e.g. cases of workflows older than that announcement, are worth a Temporal query.
QUIET = timedelta(seconds=15)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SlaRefresher:
    """Asks sla for the status of every stale row; writes only if no event moved it since."""

    def __init__(
        self, sessions: Any, sla_url: str, headers: dict[str, str], *, interval: float = 2.0
    ) -> None:
        self.sessions = sessions
        self.sla_url = sla_url.rstrip("/")
        self.headers = headers
        self.client = httpx.AsyncClient(base_url=self.sla_url, timeout=3.0, headers=headers)
        self.interval = interval

    async def run(self) -> None:
        """Refresh until cancelled (a fresh client each run, so a restart starts clean)."""
        async with httpx.AsyncClient(
            base_url=self.sla_url, timeout=3.0, headers=self.headers
        ) as client:
            self.client = client
            while True:
                done = await self.refresh_once()
                await asyncio.sleep(self.interval if done == 0 else 0)

    async def refresh_once(self, limit: int = 5) -> int:
        """One round over stale rows; returns how many were brought up to date.

        Small rounds: each status is a Temporal query answered by the same sla workers that
        run handlers' commands, so the board must not crowd them out.
        """
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    sa.select(cases.c.case_no, cases.c.version, cases.c.sla_tries)
                    .where(cases.c.sla_stale, cases.c.updated_at < datetime.now(UTC) - QUIET)
                    .order_by(cases.c.updated_at)
                    .limit(limit)
                )
            ).all()
        results = await asyncio.gather(*(self._fetch(r.case_no) for r in rows))
        fresh = 0
        async with self.sessions() as session, session.begin():
            for row, status in zip(rows, results, strict=True):
                where = sa.and_(cases.c.case_no == row.case_no, cases.c.version == row.version)
                if status is None:
                    await session.execute(
                        sa.update(cases)
                        .where(where)
                        .values(
                            sla_tries=row.sla_tries + 1, sla_stale=row.sla_tries + 1 < MAX_TRIES
                        )
                    )
                    continue
                done = await session.execute(
                    sa.update(cases)
                    .where(where)
                    .values(
                        state=status["state"],
                        light=status["light"],
                        accept_due=_when(status.get("accept_due")),
                        resolve_due=_when(status.get("resolve_due")),
                        extension_pending=status.get("pending_extension") is not None,
                        takeover_unit_id=_asked(status),
                        supervised=bool(status.get("supervised")),
                        escalation_level=len(status.get("escalations") or []),
                        sla_stale=False,
                        updated_at=datetime.now(UTC),
                        version=cases.c.version + 1,
                    )
                    .returning(cases.c.unit_id, cases.c.district_id, cases.c.township_id)
                )
                moved = done.first()
                if moved is not None:
                    fresh += 1
                    await announce(
                        session,
                        {
                            "case_no": row.case_no,
                            **moved._asdict(),
                            "previous_unit_id": "",
                            "event": "sla_status",
                        },
                    )
        return fresh

    async def _fetch(self, case_no: str) -> dict[str, Any] | None:
        try:
            resp = await self.client.get(f"/v1/cases/{case_no}")
        except httpx.HTTPError as exc:
            log.info("sla not reachable for the board", case_no=case_no, error=type(exc).__name__)
            return None
        if resp.status_code != 200:
            return None
        body: dict[str, Any] = resp.json()
        # A workflow answers before its first activity has computed the deadlines: not yet.
        if body.get("state") != "closed" and not body.get("accept_due"):
            return None
        return body


def _asked(status: dict[str, Any]) -> str:
    """The unit a pending 上报 asks, from sla's status (empty when none waits)."""
    pending = status.get("pending_takeover") or {}
    return str((pending.get("to") or {}).get("unit_id") or "")
