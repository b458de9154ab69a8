"""Callers' numbers past retention, and key rotation, for notify's stored data.

    python -m services.notify.pseudonymise [--dry-run]   drop the sealed numbers (and indexes)
        of callers whose case closed more than MINHU_NOTIFY_PII_RETENTION_DAYS ago, and of
        settled deliveries and replies older than that
    python -m services.notify.pseudonymise --reseal      seal every stored number under the
        newest MINHU_PII_KEYS key and take its blind index under MINHU_PII_INDEX_KEY

The notify app runs the first one periodically as well (Pseudonymiser.run).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter

from services.common.db import make_engine, make_sessionmaker
from services.common.logging import configure_logging, get_logger
from services.common.pii import Sealer
from services.common.settings import CommonSettings
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


class Pseudonymiser:
    """The periodic pass inside the notify app (a supervised background loop)."""

    def __init__(self, sessions: Any, own: NotifySettings) -> None:
        self.sessions = sessions
        self.retention_days = own.pii_retention_days
        self.every = own.pseudonymise_every_seconds

    async def run(self) -> None:
        """Pass, then wait, until cancelled."""
        while True:
            await pseudonymise_once(self.sessions, retention_days=self.retention_days)
            await asyncio.sleep(self.every)


async def _main(args: argparse.Namespace) -> int:
    common, own = CommonSettings(), NotifySettings()
    engine = make_engine(common.database_url(own.database), pool_size=1)
    sessions = make_sessionmaker(engine)
    try:
        if args.reseal:
            done = await reseal_all(sessions, Sealer.from_settings(common))
            print(f"resealed {done.resealed} numbers; unreadable {len(done.unreadable)}")
            return 1 if done.unreadable else 0
        counts = await pseudonymise_once(
            sessions, retention_days=own.pii_retention_days, dry_run=args.dry_run
        )
        verb = "would pseudonymise" if args.dry_run else "pseudonymised"
        print(f"{verb}: " + ", ".join(f"{t} {c}" for t, c in counts.items()))
        return 0
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """The command line; exit 1 when some stored number could not be opened to re-seal."""
    parser = argparse.ArgumentParser(prog="python -m services.notify.pseudonymise")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="count, change nothing")
    mode.add_argument(
        "--reseal", action="store_true", help="re-seal under the newest key and re-index"
    )
    args = parser.parse_args(argv)
    common = CommonSettings()
    configure_logging("notify", level=common.log_level, json=common.log_json)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
