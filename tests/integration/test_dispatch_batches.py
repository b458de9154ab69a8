"""dispatch applies a partition's batch of received cases in one transaction, on a real
PostgreSQL (a throwaway database): similar cases of one batch are linked and batched as if
they had come one by one, a redelivered event changes nothing, and an answered
consultation is left alone."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from services.common import events
from services.common.db import make_engine, make_sessionmaker, migrate
from services.common.kafka import OneByOne
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.dispatch import store
from services.dispatch.app import load_handling
from services.dispatch.consumer import Dispatcher
from services.dispatch.domain import Directory, RoutingPolicy
from services.dispatch.domain.hotspot import HotspotPolicy
from services.dispatch.domain.hybrid import HybridClassifier
from services.dispatch.learning.live import LiveModels
from services.dispatch.publish import Policies
from tests.support import ROOT, StackAddresses

VERSIONS = Path(ROOT) / "services" / "dispatch" / "migrations" / "versions"
GRID = "G-D01-T01-V03-01"
TEXTS = [
    "望湖苑小区物业擅自把物业费从每平方米一块五涨到两块五，没有召开业主大会表决，"
    "也没有公示依据，请街道督促物业说明情况。",
    "我是望湖苑的业主，物业突然把物业费涨到每平方米两块五，事先没有开业主大会，"
    "也没有任何公示，请街道督促物业说明依据。",
    "望湖苑物业费一下子涨到两块五一平方米，业主大会没开，公示也没有，"
    "希望街道督促物业给业主一个说明。",
]


@dataclass
class Relay:
    """Counts wake-ups; the outbox rows stay in the throwaway database."""

    woken: int = 0

    def wake(self) -> None:
        self.woken += 1


@dataclass
class Rig:
    dispatcher: Dispatcher
    sessions: Any
    relay: Relay
    prefix: str = field(default_factory=lambda: f"2997{uuid.uuid4().int % 10**6:06d}")

    def case_no(self, i: int) -> str:
        return f"{self.prefix}{i:04d}"


@pytest.fixture
async def rig(stack: StackAddresses) -> AsyncIterator[Rig]:
    name = f"minhu_dispatch_it_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(stack.dsn("minhu_dispatch"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://minhu:{stack.pg_password}@{stack.pg_host}:{stack.pg_port}/{name}"
    await asyncio.to_thread(migrate, url, VERSIONS, store.metadata)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    relay = Relay()
    policies = Policies(Directory.from_file(None), RoutingPolicy.from_file(None))
    dispatcher = Dispatcher(
        sessions,
        relay,  # type: ignore[arg-type]
        LiveModels(HybridClassifier.load(None), None),
        policies,
        HotspotPolicy.from_dict(load_handling(None)),
        casework=None,  # type: ignore[arg-type]
    )
    try:
        yield Rig(dispatcher, sessions, relay)
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def received(
    case_no: str, content: str, at: datetime, **extra: Any
) -> tuple[events.Envelope, case_pb2.CaseReceived]:
    payload = case_pb2.CaseReceived(
        case_no=case_no,
        title="望湖苑物业费上涨",
        content=content,
        address="望湖苑",
        grid_code=GRID,
        received_at=events.timestamp(at),
        **extra,
    )
    env = events.envelope(
        events.CASE_RECEIVED, payload, subject=case_no, source="minhu/intake", time=at
    )
    return env, payload


async def rows(rig: Rig, table: sa.Table, **where: Any) -> list[dict[str, Any]]:
    async with rig.sessions() as session:
        stmt = sa.select(table)
        for column, value in where.items():
            stmt = stmt.where(table.c[column] == value)
        return [dict(r._mapping) for r in await session.execute(stmt)]


async def test_similar_cases_of_one_batch_are_linked_and_batched_and_each_announced_once(
    rig: Rig,
) -> None:
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    cases = [
        received(rig.case_no(i), text, t0 + timedelta(minutes=i)) for i, text in enumerate(TEXTS)
    ]
    first, second, third = (env.subject for env, _ in cases)

    assert await rig.dispatcher.apply_batch([*cases, cases[0]]) == [True, True, True, False]
    assert rig.relay.woken == 1

    async with rig.sessions() as session:
        last = await store.get_assignment(session, case_no=third)
        links = await store.list_links(session, case_no=third)
        members = await store.batch_members(session, parent_case_no=first)
    assert last is not None
    assert {link["case_no"] for link in links} == {first, second}
    assert last["batch"] and last["parent_case_no"] == first
    assert last["difficulty"] == "complex" and last["co_unit_ids"]
    assert any("批量诉求" in r for r in last["reasons"])
    assert third in members
    for case_no in (first, second, third):
        kinds = [d["kind"] for d in await rows(rig, store.decisions, case_no=case_no)]
        assert kinds == ["auto"], (case_no, kinds)
    outbox = await rows(rig, store.outbox)
    dispatched = [r["key"] for r in outbox if r["topic"] == events.Topic.DISPATCHED]
    assert sorted(dispatched) == sorted([first, second, third])
    linked = [r["key"] for r in outbox if r["topic"] == events.Topic.ACTION]
    assert sorted(linked) == sorted([first, second, first, third, second, third])

    # The same batch again (a redelivery after a lost commit): nothing new.
    assert await rig.dispatcher.apply_batch(cases) == [False, False, False]
    assert len(await rows(rig, store.outbox)) == len(outbox)
    assert len(await rows(rig, store.decisions)) == 3


async def test_a_batch_leaves_answered_consultations_and_others_actions_alone(
    rig: Rig,
) -> None:
    now = datetime.now(UTC)
    answered = received(
        rig.case_no(1),
        "请问物业费标准在哪里查？",
        now,
        request_type="consultation",
        answer="在街道公示栏查询",
    )
    case = received(rig.case_no(2), TEXTS[0], now)
    accepted = case_pb2.CaseAction(case_no=rig.case_no(2), action="accepted")
    action = events.envelope(
        events.CASE_ACTION, accepted, subject=rig.case_no(2), source="minhu/sla"
    )
    assert await rig.dispatcher.apply_batch([answered, case, (action, accepted)]) == [
        False,
        True,
        False,
    ]
    assert [r["case_no"] for r in await rows(rig, store.assignments)] == [rig.case_no(2)]


async def test_a_batch_with_a_bounce_is_left_to_go_one_by_one(rig: Rig) -> None:
    bounce = case_pb2.CaseAction(case_no=rig.case_no(3), action="bounced", unit_id="U-D01-T01-V03")
    env = events.envelope(events.CASE_ACTION, bounce, subject=rig.case_no(3), source="minhu/sla")
    case = received(rig.case_no(4), TEXTS[0], datetime.now(UTC))
    with pytest.raises(OneByOne):
        await rig.dispatcher.apply_batch([case, (env, bounce)])
    assert await rows(rig, store.assignments) == []
