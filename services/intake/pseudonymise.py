"""Callers' data past retention, and key rotation, for intake's stored cases.

    python -m services.intake.pseudonymise [--dry-run]   drop callers of cases closed longer
                                                         than MINHU_INTAKE_PII_RETENTION_DAYS
    python -m services.intake.pseudonymise --reseal      seal every stored caller under the
                                                         newest MINHU_PII_KEYS key and take its
                                                         blind index under MINHU_PII_INDEX_KEY

The intake app runs the first one periodically as well (Pseudonymiser.run).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter

from services.common.db import make_engine, make_sessionmaker
from services.common.logging import configure_logging, get_logger
from services.common.pii import Sealer
from services.common.settings import CommonSettings
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


class Pseudonymiser:
    """The periodic pass inside the intake app (a supervised background loop)."""

    def __init__(self, sessions: Any, own: IntakeSettings) -> None:
        self.sessions = sessions
        self.retention_days = own.pii_retention_days
        self.every = own.pseudonymise_every_seconds

    async def run(self) -> None:
        """Pass, then wait, until cancelled."""
        while True:
            await pseudonymise_once(self.sessions, retention_days=self.retention_days)
            await asyncio.sleep(self.every)


async def _main(args: argparse.Namespace) -> int:
    common, own = CommonSettings(), IntakeSettings()
    engine = make_engine(common.database_url(own.database), pool_size=1)
    sessions = make_sessionmaker(engine)
    try:
        if args.reseal:
            done = await reseal_all(sessions, Sealer.from_settings(common))
            print(f"resealed {done.resealed} cases; unreadable {len(done.unreadable)}")
            return 1 if done.unreadable else 0
        count = await pseudonymise_once(
            sessions, retention_days=own.pii_retention_days, dry_run=args.dry_run
        )
        verb = "would pseudonymise" if args.dry_run else "pseudonymised"
        print(f"{verb} {count} cases closed more than {own.pii_retention_days} days ago")
        return 0
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """The command line; exit 1 when some stored caller could not be opened to re-seal."""
    parser = argparse.ArgumentParser(prog="python -m services.intake.pseudonymise")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="count, change nothing")
    mode.add_argument(
        "--reseal", action="store_true", help="re-seal under the newest key and re-index"
    )
    args = parser.parse_args(argv)
    common = CommonSettings()
    configure_logging("intake", level=common.log_level, json=common.log_json)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
