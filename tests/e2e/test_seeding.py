"""The seeded population reaches the desk's board as its stories say, folded exactly as the
desk's own projector folds the same events, and seeding twice adds nothing: pages that must
scale are tested on it."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.common import pii
from services.common.jurisdiction import Directory
from services.common.settings import CommonSettings
from services.desk.board.projector import Batch, BoardProjector
from services.desk.settings import DeskSettings
from services.desk.tables import cases as board_cases
from services.desk.tables import marks as board_marks
from tests.seeding import COUNTED_UNITS, handling_units, seed_desk, story, volume
from tests.support import StackAddresses

# Prefixes of their own, outside the shared population's 2025…: other tests seed that on the
# same stack and count its lists.
PREFIX, TWIN, BATCHED = "20249", "20248", "20247"
IGNORED = {"case_no", "updated_at", "words"}


async def test_seeded_cases_reach_the_board_in_their_states_once(stack: StackAddresses) -> None:
    cases = volume(2000, prefix=PREFIX, units=handling_units(besides=COUNTED_UNITS))
    await seed_desk(stack, cases)
    await seed_desk(stack, cases[:50])
    db = await asyncpg.connect(stack.dsn(DeskSettings().database))
    try:
        rows = await db.fetch(
            "SELECT state, count(*) AS n FROM board_cases"
            " WHERE case_no LIKE '20249%' GROUP BY state"
        )
        entries = await db.fetchval(
            "SELECT count(*) FROM record_entries WHERE case_no LIKE '20249%'"
        )
        red = await db.fetchval(
            "SELECT count(*) FROM board_cases WHERE case_no LIKE '20249%' AND light = 'red'"
        )
    finally:
        await db.close()
    assert {r["state"]: r["n"] for r in rows} == dict(Counter(c.state for c in cases))
    assert red == sum(c.light == "red" for c in cases) > 0
    assert entries >= 4 * len(cases)


async def test_seeded_rows_are_what_the_desks_projector_makes_of_the_same_events(
    stack: StackAddresses,
) -> None:
    # One case of every state and light, seeded; its twin's identical story goes through the
    # projector event by event, as a rebuild applies it, and its third copy's in one batch,
    # as the desk's consumer applies a partition's events.
    sample = {
        (c.state, c.light, c.extension_pending, c.satisfaction): c
        for c in volume(400, units=handling_units(besides=COUNTED_UNITS))
    }
    seeded = [replace(c, case_no=f"{PREFIX}9{i:08d}") for i, c in enumerate(sample.values())]
    twins = [replace(c, case_no=TWIN + c.case_no[len(PREFIX) :]) for c in seeded]
    batched = [replace(c, case_no=BATCHED + c.case_no[len(PREFIX) :]) for c in seeded]
    await seed_desk(stack, seeded)
    common = CommonSettings()
    engine = create_async_engine(common.database_url(DeskSettings().database))
    directory = Directory.from_file()
    board, sealer = BoardProjector(directory), pii.Sealer.from_settings(common)

    async def fold(session: Any, copies: list[Any], batch: Batch | None = None) -> None:
        for copy in copies:
            for event_type, at, fields in story(copy, directory, sealer):
                await board.project(
                    session,
                    case_no=copy.case_no,
                    event_type=event_type,
                    fields=fields,
                    at=at,
                    live=False,
                    batch=batch,
                )

    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await fold(session, twins)
        async with async_sessionmaker(engine)() as session, session.begin():
            batch = Batch()
            await batch.lock(session, {c.case_no for c in batched})
            await fold(session, batched, batch)
            await batch.finish(session)
        async with async_sessionmaker(engine)() as session:
            rows = {
                r.case_no: r._asdict()
                for r in await session.execute(
                    sa.select(board_cases).where(
                        board_cases.c.case_no.in_([c.case_no for c in seeded + twins + batched])
                    )
                )
            }
            marks = [
                (m.case_no[len(PREFIX) :], m.unit_id, m.mark, m.at)
                for m in await session.execute(
                    sa.select(board_marks).where(
                        board_marks.c.case_no.in_([c.case_no for c in seeded + twins + batched])
                    )
                )
            ]
    finally:
        await engine.dispose()
    assert len(seeded) >= 8
    for case, twin, copy in zip(seeded, twins, batched, strict=True):
        mine = {k: v for k, v in rows[case.case_no].items() if k not in IGNORED}
        theirs = {k: v for k, v in rows[twin.case_no].items() if k not in IGNORED}
        folded = {k: v for k, v in rows[copy.case_no].items() if k not in IGNORED}
        assert mine == theirs == folded, case
    by_origin = Counter(marks)  # each mark, with its time, once per copy
    assert by_origin and all(n == 3 for n in by_origin.values()), by_origin
