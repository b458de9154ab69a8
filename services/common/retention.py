"""Callers' data past retention and key rotation: the periodic pass and the command line
that intake, notify and the desk each run over their own database.

    python -m services.<service>.pseudonymise [--dry-run]   drop what is past retention
    python -m services.<service>.pseudonymise --reseal      seal again under the newest key
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from services.common.db import command_sessions
from services.common.logging import configure_logging
from services.common.pii import Sealer
from services.common.settings import CommonSettings

# A pass over the database: (sessions, dry_run) -> what it did, in a line for people.
Pass = Callable[[Any, bool], Awaitable[str]]
# Re-sealing: (sessions, sealer) -> (what it did, whether every value could be opened).
Reseal = Callable[[Any, Sealer], Awaitable[tuple[str, bool]]]


@dataclass
class Periodic:
    """The pass inside a service: run it, wait, again, until cancelled (a supervised loop)."""

    sessions: Any
    step: Pass
    every: float

    async def run(self) -> None:
        while True:
            await self.step(self.sessions, False)
            await asyncio.sleep(self.every)


async def _run(args: argparse.Namespace, database: str, step: Pass, reseal: Reseal) -> int:
    common = CommonSettings()
    async with command_sessions(common.database_url(database)) as sessions:
        if args.reseal:
            said, ok = await reseal(sessions, Sealer.from_settings(common))
            print(said)
            return 0 if ok else 1
        print(await step(sessions, args.dry_run))
        return 0


def command(service: str, database: str, step: Pass, reseal: Reseal, argv: list[str]) -> int:
    """The command line; exit 1 when some stored value could not be opened to re-seal."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}.pseudonymise")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="count, change nothing")
    mode.add_argument(
        "--reseal", action="store_true", help="re-seal under the newest key and re-index"
    )
    args = parser.parse_args(argv)
    common = CommonSettings()
    configure_logging(service, level=common.log_level, json=common.log_json)
    return asyncio.run(_run(args, database, step, reseal))
