"""Callers' data past retention, and key rotation, for intake's stored cases.

    python -m services.intake.pseudonymise [--dry-run]   drop callers of cases closed longer
                                                         than MINHU_INTAKE_PII_RETENTION_DAYS
    python -m services.intake.pseudonymise --reseal      seal every stored caller under the
                                                         newest MINHU_PII_KEYS key and take its
                                                         blind index under MINHU_PII_INDEX_KEY

The intake app runs the first one periodically as well (`periodic`).
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter

from services.common.logging import get_logger
from services.common.pii import Sealer
from services.common.retention import Periodic, command
from services.intake import store
from services.intake.settings import IntakeSettings

log = get_logger(__name__)
PSEUDONYMISED = Counter(
    "minhu_intake_pseudonymised_total", "Cases whose caller was dropped after retention."
)


async def pseudonymise_once(
    sessions: Any, *, retention_days: int, dry_run: bool = False, now: datetime | None = None
) -> int:
    """Pseudonymise the cases closed longer than the retention period; how many."""
    now = now or store.utcnow()
    async with sessions() as session, session.begin():
        count = await store.pseudonymise(
            session, closed_before=now - timedelta(days=retention_days), now=now, dry_run=dry_run
        )
    if not dry_run and count:
        PSEUDONYMISED.inc(count)
        log.info("callers pseudonymised", cases=count, retention_days=retention_days)
    return count


async def reseal_all(sessions: Any, sealer: Sealer) -> store.Resealed:
    """Re-seal (and re-index) every stored caller, one committed batch at a time."""
    total = store.Resealed()
    after: str | None = ""
    while after is not None:
        async with sessions() as session, session.begin():
            done, after = await store.reseal(session, sealer=sealer, after=after)
        total.resealed += done.resealed
        total.unreadable += done.unreadable
    if total.unreadable:
        log.warning(
            "stored callers no configured key opens",
            count=len(total.unreadable),
            cases=total.unreadable[:20],
        )
    log.info("callers resealed", cases=total.resealed)
    return total


def periodic(sessions: Any, own: IntakeSettings) -> Periodic:
    """The pass the intake app runs in the background."""
    return Periodic(sessions, lambda s, dry: _step(s, dry, own), own.pseudonymise_every_seconds)


async def _step(sessions: Any, dry_run: bool, own: IntakeSettings) -> str:
    count = await pseudonymise_once(
        sessions, retention_days=own.pii_retention_days, dry_run=dry_run
    )
    verb = "would pseudonymise" if dry_run else "pseudonymised"
    return f"{verb} {count} cases closed more than {own.pii_retention_days} days ago"


async def _reseal(sessions: Any, sealer: Sealer) -> tuple[str, bool]:
    done = await reseal_all(sessions, sealer)
    said = f"resealed {done.resealed} cases; unreadable {len(done.unreadable)}"
    return said, not done.unreadable


if __name__ == "__main__":
    own = IntakeSettings()
    sys.exit(
        command("intake", own.database, lambda s, dry: _step(s, dry, own), _reseal, sys.argv[1:])
    )
