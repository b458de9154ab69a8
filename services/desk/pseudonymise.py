"""Callers' data after its retention, and re-sealing under a new key.

    python -m services.desk.pseudonymise             # pseudonymise what is due now
    python -m services.desk.pseudonymise --dry-run   # only count what is due
    python -m services.desk.pseudonymise --reseal    # re-seal every caller under the newest key

A caller of a case closed more than MINHU_DESK_PII_RETENTION_DAYS ago loses its sealed name
and number and its blind index: both become one random marker, so neither the person nor
the link between their old cases can be recovered. The case and its record stay whole (the
record never held the caller). The desk runs the same pass in the background
(MINHU_DESK_PSEUDONYMISE_EVERY_SECONDS).

Key rotation: put the new key first in MINHU_PII_KEYS, restart the services, run
`--reseal`, then drop the old key.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import InvalidToken

from services.common import pii
from services.common.logging import get_logger
from services.common.retention import Periodic, command
from services.desk.record.callers import PSEUDONYM_PREFIX, pseudonym
from services.desk.settings import DeskSettings
from services.desk.tables import callers, cases

log = get_logger(__name__)
BATCH = 500


def due(
    *,
    state: str,
    closed_at: datetime | None,
    pseudonymised_at: datetime | None,
    now: datetime,
    days: int,
) -> bool:
    """Whether a caller is due: its case closed more than `days` ago, not yet pseudonymised.

    A case closed and then reopened is no longer closed: its caller stays until it closes
    again.
    """
    if pseudonymised_at is not None or state != "closed" or closed_at is None:
        return False
    return closed_at < now - timedelta(days=days)


def due_statement(now: datetime, days: int, limit: int = BATCH) -> sa.Select[Any]:
    """Case numbers of callers due for pseudonymisation (the same rule as `due`, in SQL)."""
    return (
        sa.select(callers.c.case_no)
        .join(cases, cases.c.case_no == callers.c.case_no)
        .where(
            callers.c.pseudonymised_at.is_(None),
            cases.c.state == "closed",
            cases.c.closed_at.is_not(None),
            cases.c.closed_at < now - timedelta(days=days),
        )
        .order_by(callers.c.case_no)
        .limit(limit)
    )


async def pseudonymise(
    sessions: Any, *, days: int, now: datetime | None = None, dry_run: bool = False
) -> int:
    """Pseudonymise every caller due (in batches); returns how many were (or would be)."""
    now = now or datetime.now(UTC)
    if dry_run:
        inner = due_statement(now, days, limit=10**9).subquery()
        async with sessions() as session:
            return int(
                (await session.execute(sa.select(sa.func.count()).select_from(inner))).scalar_one()
            )
    done = 0
    while True:
        async with sessions() as session, session.begin():
            numbers = list((await session.execute(due_statement(now, days))).scalars())
            for case_no in numbers:
                marker = pseudonym()
                await session.execute(
                    sa.update(callers)
                    .where(callers.c.case_no == case_no)
                    .values(caller_sealed=marker, caller_ref=marker, pseudonymised_at=now)
                )
        done += len(numbers)
        if len(numbers) < BATCH:
            return done


async def reseal(sessions: Any, sealer: pii.Sealer) -> tuple[int, int]:
    """Re-seal every stored caller under the newest key; (re-sealed, unreadable)."""
    resealed = unreadable = 0
    last = ""
    while True:
        async with sessions() as session, session.begin():
            rows = (
                await session.execute(
                    sa.select(callers.c.case_no, callers.c.caller_sealed)
                    .where(
                        callers.c.case_no > last,
                        callers.c.caller_sealed != "",
                        ~callers.c.caller_sealed.startswith(PSEUDONYM_PREFIX),
                    )
                    .order_by(callers.c.case_no)
                    .limit(BATCH)
                )
            ).all()
            for row in rows:
                try:
                    token = sealer.reseal(row.caller_sealed)
                except InvalidToken:
                    unreadable += 1
                    log.warning("caller cannot be re-sealed: no key opens it", case_no=row.case_no)
                    continue
                await session.execute(
                    sa.update(callers)
                    .where(callers.c.case_no == row.case_no)
                    .values(caller_sealed=token)
                )
                resealed += 1
        if len(rows) < BATCH:
            return resealed, unreadable
        last = rows[-1].case_no


def periodic(sessions: Any, own: DeskSettings) -> Periodic:
    """The pass the desk runs in the background."""
    return Periodic(sessions, lambda s, dry: _step(s, dry, own), own.pseudonymise_every_seconds)


async def _step(sessions: Any, dry_run: bool, own: DeskSettings) -> str:
    days = own.pii_retention_days
    n = await pseudonymise(sessions, days=days, dry_run=dry_run)
    if n and not dry_run:
        log.info("callers pseudonymised after their retention", count=n, days=days)
    verb = "would pseudonymise" if dry_run else "pseudonymised"
    return f"{verb} {n} callers of cases closed over {days} days ago"


async def _reseal(sessions: Any, sealer: pii.Sealer) -> tuple[str, bool]:
    done, bad = await reseal(sessions, sealer)
    return f"re-sealed {done} callers under the newest key; {bad} could not be opened", not bad


if __name__ == "__main__":
    own = DeskSettings()
    sys.exit(
        command("desk", own.database, lambda s, dry: _step(s, dry, own), _reseal, sys.argv[1:])
    )
