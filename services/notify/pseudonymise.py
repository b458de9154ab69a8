"""Callers' numbers past retention, and key rotation, for notify's stored data.

    python -m services.notify.pseudonymise [--dry-run]   drop the sealed numbers (and indexes)
        of callers whose case closed more than MINHU_NOTIFY_PII_RETENTION_DAYS ago, and of
        settled deliveries and replies older than that
    python -m services.notify.pseudonymise --reseal      seal every stored number under the
        newest MINHU_PII_KEYS key and take its blind index under MINHU_PII_INDEX_KEY

The notify app runs the first one periodically as well (`periodic`).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter

from services.common.logging import get_logger
from services.common.pii import Sealer
from services.common.retention import Periodic, command
from services.notify import store
from services.notify.settings import NotifySettings

log = get_logger(__name__)
PSEUDONYMISED = Counter(
    "minhu_notify_pseudonymised_total", "Rows whose sealed number was dropped.", ["table"]
)


async def pseudonymise_once(
    sessions: Any, *, retention_days: int, dry_run: bool = False, now: datetime | None = None
) -> dict[str, int]:
    """Drop what is past retention; rows changed (or, dry, to change) per table."""
    now = now or datetime.now(UTC)
    async with sessions() as session, session.begin():
        counts = await store.pseudonymise(
            session, before=now - timedelta(days=retention_days), now=now, dry_run=dry_run
        )
    if not dry_run and any(counts.values()):
        for table, count in counts.items():
            PSEUDONYMISED.labels(table).inc(count)
        log.info("numbers pseudonymised", retention_days=retention_days, **counts)
    return counts


async def reseal_all(sessions: Any, sealer: Sealer) -> store.Resealed:
    """Re-seal (and re-index) every stored number, one committed batch at a time."""
    total = store.Resealed()
    for table, key, sealed, ref in store.SEALED:
        after: Any = None
        while True:
            async with sessions() as session, session.begin():
                done, after = await store.reseal(
                    session,
                    table=table,
                    key=key,
                    sealed=sealed,
                    ref=ref,
                    sealer=sealer,
                    after=after,
                )
            total.resealed += done.resealed
            total.unreadable += [f"{table.name}:{k}" for k in done.unreadable]
            if after is None:
                break
    if total.unreadable:
        log.warning(
            "stored numbers no configured key opens",
            count=len(total.unreadable),
            rows=total.unreadable[:20],
        )
    log.info("numbers resealed", rows=total.resealed)
    return total


def periodic(sessions: Any, own: NotifySettings) -> Periodic:
    """The pass the notify app runs in the background."""
    return Periodic(sessions, lambda s, dry: _step(s, dry, own), own.pseudonymise_every_seconds)


async def _step(sessions: Any, dry_run: bool, own: NotifySettings) -> str:
    counts = await pseudonymise_once(
        sessions, retention_days=own.pii_retention_days, dry_run=dry_run
    )
    verb = "would pseudonymise" if dry_run else "pseudonymised"
    return f"{verb}: " + ", ".join(f"{t} {c}" for t, c in counts.items())


async def _reseal(sessions: Any, sealer: Sealer) -> tuple[str, bool]:
    done = await reseal_all(sessions, sealer)
    return (
        f"resealed {done.resealed} numbers; unreadable {len(done.unreadable)}",
        not done.unreadable,
    )


if __name__ == "__main__":
    own = NotifySettings()
    sys.exit(
        command("notify", own.database, lambda s, dry: _step(s, dry, own), _reseal, sys.argv[1:])
    )
