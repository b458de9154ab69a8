"""Rebuild every read model of the desk from the case record alone (not from Kafka).

    python -m services.desk.rebuild        # with the desk's MINHU_* settings

The board, the units' marks and the search columns are emptied, then every record entry is
folded again in the order it was recorded, exactly as the consumer folded it. The record
itself is only read. Safe to run while the desk serves: it runs in one transaction.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import sqlalchemy as sa

from services.common.db import command_sessions
from services.common.jurisdiction import Directory
from services.common.settings import CommonSettings
from services.desk.board.projector import BoardProjector, announce
from services.desk.settings import DeskSettings
from services.desk.tables import READ_MODELS, entries

BATCH = 2000


async def rebuild(sessions: Any, board: BoardProjector) -> int:
    """Empty the read models and fold the whole record again; returns the entries folded."""
    folded = 0
    async with sessions() as session, session.begin():
        for table in READ_MODELS:
            await session.execute(sa.delete(table))
        last = 0
        while True:
            rows = (
                await session.execute(
                    sa.select(entries.c.seq, entries.c.case_no, entries.c.event_type)
                    .add_columns(entries.c.data, entries.c.at)
                    .where(entries.c.seq > last)
                    .order_by(entries.c.seq)
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                break
            for row in rows:
                await board.project(
                    session,
                    case_no=row.case_no,
                    event_type=row.event_type,
                    fields=dict(row.data),
                    at=row.at,
                    live=False,
                )
            folded += len(rows)
            last = rows[-1].seq
        # Open pages reload once the new models are committed.
        await announce(session, {"event": "resync"})
    return folded


async def _main() -> int:
    common, own = CommonSettings(), DeskSettings()
    async with command_sessions(common.database_url(own.database)) as sessions:
        n = await rebuild(sessions, BoardProjector(Directory.from_file(own.directory_file)))
    print(f"rebuilt the desk's read models from {n} record entries")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
