"""Manage intake's API clients: add (prints the key once), list, disable.

    python -m services.intake.clients add city-app --scope open311:write --scope cases:write
    python -m services.intake.clients list
    python -m services.intake.clients disable city-app

Intake keeps only the SHA-256 of a key: a lost key cannot be shown again; add a new
client and disable the old one. Uses the database of MINHU_PG_* / MINHU_INTAKE_DATABASE.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from services.common.db import command_sessions
from services.common.settings import CommonSettings
from services.intake import client_store
from services.intake.domain.access import CLIENT_ID, SCOPES, check_scopes, new_key
from services.intake.settings import IntakeSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.intake.clients")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="register a client and print its key (shown only once)")
    add.add_argument("client_id", metavar="NAME", help="client id: a-z, 0-9, . _ - (2-64)")
    add.add_argument("--scope", action="append", default=[], choices=SCOPES, required=True)
    add.add_argument("--label", help="a readable name (default: NAME)")
    add.add_argument("--per-minute", type=float, help="steady rate (default: the service's)")
    add.add_argument("--burst", type=int, help="burst (default: the service's)")
    sub.add_parser("list", help="every client, its scopes and whether it is enabled")
    disable = sub.add_parser("disable", help="refuse a client's key from now on")
    disable.add_argument("client_id", metavar="NAME")
    return parser


async def _run(args: argparse.Namespace) -> int:
    common, own = CommonSettings(), IntakeSettings()
    async with (
        command_sessions(common.database_url(own.database)) as sessions,
        sessions() as session,
        session.begin(),
    ):
        if args.command == "add":
            return await _add(session, args)
        if args.command == "list":
            for c in await client_store.list_clients(session):
                state = f"disabled {c.disabled_at:%Y-%m-%d %H:%M}" if c.disabled_at else "enabled"
                rate = f"{c.per_minute or '-'}/min burst {c.burst or '-'}"
                print(f"{c.client_id}\t{c.name}\t{','.join(c.scopes)}\t{rate}\t{state}")
            return 0
        if await client_store.disable_client(session, client_id=args.client_id):
            print(f"disabled {args.client_id}; its key is refused within seconds")
            return 0
        print(f"no enabled client {args.client_id}", file=sys.stderr)
        return 1


async def _add(session: object, args: argparse.Namespace) -> int:
    if not CLIENT_ID.match(args.client_id):
        print("NAME: 2-64 of a-z, 0-9, . _ - (starting with a letter or digit)", file=sys.stderr)
        return 2
    key = new_key()
    try:
        await client_store.add_client(
            session,  # type: ignore[arg-type]
            client_id=args.client_id,
            name=args.label or args.client_id,
            key=key,
            scopes=check_scopes(args.scope),
            per_minute=args.per_minute,
            burst=args.burst,
        )
    except client_store.ClientExists:
        print(f"client {args.client_id} exists; choose another name", file=sys.stderr)
        return 1
    print(f"client {args.client_id}: {', '.join(sorted(set(args.scope)))}")
    print(f"key (shown once, keep it secret): {key}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the process exit status."""
    return asyncio.run(_run(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
