#!/usr/bin/env python3
"""`make dlq`: what was dead-lettered, and sending chosen ones through again.

    make dlq                                  list every dead letter and dead delivery
    make dlq REASON=permanent                 only those whose reason (or kind) says so
    make dlq REPLAY=dispatch:3,delivery:17    replay these (ids from the list)
    make dlq REPLAY=all [REASON=...]          replay all of them (or all with that reason)

Consumers' dead letters (`<group>:<offset>`) are published again to the topic they came from,
where every consumer is idempotent by event id; notify's dead deliveries (`delivery:<id>`)
are sent again with a fresh retry schedule. Replaying the same ones twice changes nothing.
Reads the stack's addresses from the environment (`deploy/stack.py env`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.common import deadletters  # noqa: E402
from services.common.db import command_sessions  # noqa: E402
from services.common.kafka import start_producer  # noqa: E402
from services.common.settings import SERVICES, CommonSettings  # noqa: E402
from services.notify import store  # noqa: E402
from services.notify.settings import NotifySettings  # noqa: E402

DELIVERY = "delivery"


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--replay", default="", help="ids (comma-separated) or 'all'")
    p.add_argument("--reason", default="", help="a word of the reason, or a kind")
    return p.parse_args(argv)


def _wanted(text: str) -> tuple[set[str], bool]:
    ids = {i.strip() for i in text.split(",") if i.strip()}
    return ids - {"all"}, "all" in ids


def _matches(reason: str, kind: str, word: str) -> bool:
    return not word or word == kind or word.lower() in reason.lower()


async def _dead_deliveries(url: str) -> list[dict[str, Any]]:
    async with command_sessions(url) as sessions, sessions() as session:
        return await store.by_status(session, status="dead", limit=10_000)


def _print(letters: list[deadletters.DeadLetter], dead: list[dict[str, Any]]) -> None:
    print(f"{'id':<16} {'kind':<11} {'case':<15} {'what':<34} reason")
    for x in letters:
        what = f"{x.source_topic}#{x.source_partition}@{x.source_offset} {x.event_type}"
        print(f"{x.id:<16} {x.kind:<11} {x.case_no or '-':<15} {what[:34]:<34} {x.reason}")
    for d in dead:
        what = f"{d['channel']} {d['template']} ×{d['attempts']}"
        reason = (d["last_error"] or "").splitlines()[0] if d["last_error"] else ""
        ident = f"{DELIVERY}:{d['id']}"
        print(f"{ident:<16} {'delivery':<11} {d['case_no']:<15} {what[:34]:<34} {reason}")
    print(f"{len(letters)} dead letter(s), {len(dead)} dead deliver(ies)")


async def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    common = CommonSettings()
    notify_db = common.database_url(NotifySettings().database)
    letters = await deadletters.read(common.kafka_bootstrap, SERVICES)
    dead = await _dead_deliveries(notify_db)
    letters = [x for x in letters if _matches(x.reason, x.kind, args.reason)]
    dead = [d for d in dead if _matches(d["last_error"] or "", DELIVERY, args.reason)]
    ids, everything = _wanted(args.replay)
    if not ids and not everything:
        _print(letters, dead)
        return 0
    known = {x.id for x in letters} | {f"{DELIVERY}:{d['id']}" for d in dead}
    missing = sorted(ids - known)
    if missing:
        print(f"no such dead letter: {', '.join(missing)}", file=sys.stderr)
        return 2
    chosen = deadletters.choose(letters, ids=ids & {x.id for x in letters}, everything=everything)
    revive = [d["id"] for d in dead if everything or f"{DELIVERY}:{d['id']}" in ids]
    producer = await start_producer(common.kafka_bootstrap, client_id="minhu-dlq")
    try:
        sent = await deadletters.replay(producer, chosen)
    finally:
        await producer.stop()
    async with command_sessions(notify_db) as sessions, sessions() as session, session.begin():
        revived = await store.revive(session, ids=revive, at=datetime.now(UTC))
    skipped = [x.id for x in chosen if x not in sent]
    print(f"replayed {len(sent)} dead letter(s), sent again {len(revived)} deliver(ies)")
    if skipped:
        print(f"not replayable (unreadable records): {', '.join(skipped)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
