"""notify's channels against real servers: PostgreSQL (a throwaway database), an aiosmtpd SMTP
server, the SMS gateway simulator and a webhook receiver over real HTTP on loopback.

Each channel delivers exactly once when an event is redelivered and when a delivery is sent
again after a lost acknowledgement; a failing gateway is retried with backoff, then dead-lettered.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request

from services.common import events
from services.common.db import make_engine, make_sessionmaker, migrate
from services.common.kafka import PoisonEvent, start_producer
from services.common.outbox import OutboxRelay
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.notify import store
from services.notify.channels.email import Smtp
from services.notify.channels.sms import SmsGateway
from services.notify.channels.webhook import Webhooks
from services.notify.consumer import Notifier
from services.notify.deliver import Deliverer
from services.notify.domain import Templates
from services.notify.domain.contacts import DutyContacts
from services.notify.domain.plan import Context, Subscriber
from services.notify.domain.schedule import Backoff, QuietHours, RetrySchedule
from services.notify.settings import NotifySettings
from services.notify.smsgw.app import create_app as smsgw_app
from services.notify.wiring import sms_codes
from tests.support import ROOT, StackAddresses

VERSIONS = Path(ROOT) / "services" / "notify" / "migrations" / "versions"
SMS_KEY = "test-gateway-key"
HOOK_SECRET = "webhook-secret-0123456789"
NEVER_QUIET = QuietHours(start=time(0, 0), end=time(0, 0))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def serve(app: FastAPI) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    return server, task, f"http://127.0.0.1:{port}"


class Mailbox:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def hook_receiver(received: list[dict[str, Any]]) -> FastAPI:
    """A subscriber that checks the signature and keeps one copy per delivery id."""
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> dict[str, str]:
        body = await request.body()
        ts = request.headers["X-Minhu-Timestamp"]
        want = hmac.new(HOOK_SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256)
        assert request.headers["X-Minhu-Signature"] == "sha256=" + want.hexdigest()
        received.append({"key": request.headers["X-Minhu-Delivery"], "body": body})
        return {"ok": "yes"}

    return app


@dataclass
class Rig:
    notifier: Notifier
    deliverer: Deliverer
    sessions: Any
    sms: httpx.AsyncClient
    mailbox: Mailbox
    hooks: list[dict[str, Any]]


@pytest.fixture
async def rig(stack: StackAddresses) -> AsyncIterator[Rig]:
    name = f"minhu_notify_it_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(stack.dsn("minhu_notify"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://minhu:{stack.pg_password}@{stack.pg_host}:{stack.pg_port}/{name}"
    await asyncio.to_thread(migrate, url, VERSIONS, store.metadata)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    hooks: list[dict[str, Any]] = []
    gw_server, gw_task, gw_url = await serve(smsgw_app(SMS_KEY))
    hk_server, hk_task, hk_url = await serve(hook_receiver(hooks))
    producer = await start_producer(stack.kafka, client_id="notify-it")
    relay = OutboxRelay(sessions, store.outbox, producer)  # never run: the rows stay here
    channels = {
        "sms": SmsGateway(gw_url, SMS_KEY, sms_codes()),
        "email": Smtp("127.0.0.1", smtp.port, "12345@minhu.test"),
        "webhook": Webhooks({"city-portal": (f"{hk_url}/hook", HOOK_SECRET)}),
    }
    deliverer = Deliverer(sessions, relay, channels, Backoff(0.05, 0.2, 3), quiet=NEVER_QUIET)
    ctx = Context(
        supervisor_emails=("duban@minhu.test",),
        subscribers=(Subscriber("city-portal", (events.CASE_ACTION.name,)),),
    )
    notifier = Notifier(
        sessions, relay, Templates.from_file(), "notify-it", context=ctx, quiet=NEVER_QUIET
    )
    try:
        yield Rig(notifier, deliverer, sessions, httpx.AsyncClient(base_url=gw_url), mailbox, hooks)
    finally:
        await producer.stop()
        for server, task in ((gw_server, gw_task), (hk_server, hk_task)):
            server.should_exit = True
            await task
        smtp.stop()
        await engine.dispose()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def envelope(kind: events.EventKind, payload: Any, case_no: str) -> events.Envelope:
    return events.envelope(kind, payload, subject=case_no, source="minhu/test")


async def drain(rig: Rig) -> None:
    """Deliver until nothing is pending and due."""
    for _ in range(50):
        if await rig.deliverer.deliver_once() == 0:
            return
    raise AssertionError("deliveries kept coming")


async def rows(rig: Rig, case_no: str) -> list[dict[str, Any]]:
    async with rig.sessions() as session:
        return await store.for_case(session, case_no=case_no)


async def test_each_channel_delivers_exactly_once_under_redelivery(rig: Rig) -> None:
    case_no, phone = "20261122009001", "13900139001"
    received = case_pb2.CaseReceived(
        case_no=case_no, caller_phone=phone, content="路灯坏了", callback_consent=True
    )
    supervised = case_pb2.CaseSlaChanged(case_no=case_no, kind="supervised", deadline="resolve")
    resolved = case_pb2.CaseAction(case_no=case_no, action="resolved", unit_id="U-1", note="修好")
    batch = [
        (envelope(events.CASE_RECEIVED, received, case_no), received),
        (envelope(events.CASE_SLA_CHANGED, supervised, case_no), supervised),
        (envelope(events.CASE_ACTION, resolved, case_no), resolved),
    ]
    for env, payload in batch:
        assert await rig.notifier(env, payload) is True
    await drain(rig)
    # The same events again: a redelivered record is a no-op...
    for env, payload in batch:
        assert await rig.notifier(env, payload) is False
    # ...and so is one whose claim was lost (another group name): one row per recipient.
    rig.notifier.group = "notify-it-other"
    for env, payload in batch:
        await rig.notifier(env, payload)
    # A delivery sent again after a lost acknowledgement reaches nobody twice either.
    async with rig.sessions() as session, session.begin():
        await session.execute(
            store.notifications.update()
            .where(store.notifications.c.case_no == case_no)
            .where(store.notifications.c.channel != "in_app")
            .values(status="pending", next_attempt_at=sa.func.now())
        )
    await drain(rig)

    log = await rows(rig, case_no)
    by_channel = sorted((r["channel"], r["template"]) for r in log)
    assert by_channel == [
        ("email", "supervisor_supervised"),
        ("in_app", "supervisor_supervised"),
        ("sms", "citizen_received"),
        ("sms", "citizen_resolved"),
        ("webhook", "webhook_event"),
    ]
    assert {r["status"] for r in log} == {"delivered"}
    texts = (await rig.sms.get("/v1/messages", params={"to": phone})).json()
    assert sorted(t["template_id"] for t in texts) == ["MINHU_0001", "MINHU_0002"]
    assert all(case_no in t["text"] for t in texts)
    assert len((await rig.sms.get("/v1/attempts")).json()) == 4  # 2 sends + 2 re-sends
    mail_ids = {
        m.content.split(b"X-Minhu-Delivery: ")[1].split(b"\r\n")[0] for m in rig.mailbox.messages
    }
    assert len(mail_ids) == 1 and len(rig.mailbox.messages) == 2  # re-sent, same id
    assert len({h["key"] for h in rig.hooks}) == 1
    assert b'"action": "resolved"' in rig.hooks[0]["body"]


async def test_a_batch_applies_each_event_once_and_a_poison_one_spoils_none(rig: Rig) -> None:
    case_no, phone = "20261122009003", "13900139003"
    received = case_pb2.CaseReceived(case_no=case_no, caller_phone=phone, content="井盖丢了")
    supervised = case_pb2.CaseSlaChanged(case_no=case_no, kind="supervised", deadline="resolve")
    quiet = case_pb2.CaseSlaChanged(case_no=case_no, kind="deadlines_set", deadline="resolve")
    first = envelope(events.CASE_RECEIVED, received, case_no)
    batch = [
        (first, received),
        (envelope(events.CASE_SLA_CHANGED, quiet, case_no), quiet),  # tells nobody
        (envelope(events.CASE_SLA_CHANGED, supervised, case_no), supervised),
        (first, received),  # the same event twice in one batch
    ]
    assert await rig.notifier.apply_batch(batch) == [True, True, True, False]
    assert await rig.notifier.apply_batch(batch) == [False, True, False, False]
    templates = sorted((r["channel"], r["template"]) for r in await rows(rig, case_no))
    assert templates == [
        ("email", "supervisor_supervised"),
        ("in_app", "supervisor_supervised"),
        ("sms", "citizen_received"),
    ]
    # A batch with an event that cannot be applied takes no effect at all.
    other = "20261122009004"
    fine = case_pb2.CaseSlaChanged(case_no=other, kind="supervised", deadline="resolve")
    sealed_badly = case_pb2.CaseReceived(case_no=other, caller_sealed="no-key-opens-this")
    with pytest.raises(PoisonEvent):
        await rig.notifier.apply_batch(
            [
                (envelope(events.CASE_SLA_CHANGED, fine, other), fine),
                (envelope(events.CASE_RECEIVED, sealed_badly, other), sealed_badly),
            ]
        )
    assert await rows(rig, other) == []


async def test_a_batch_reads_the_urgency_its_own_dispatches_set(rig: Rig) -> None:
    """Duty SMS of an urgent case skip the quiet hours; a breach in the same batch as the
    case's dispatch, and one in a later batch, both know the case is urgent."""
    always_quiet = QuietHours(start=time(0, 0), end=time(23, 59, 59, 999999))
    duty = DutyContacts(units={"U-9": "13900139100"})
    notifier = Notifier(
        rig.sessions,
        rig.notifier.relay,
        Templates.from_file(),
        "notify-it-urgency",
        context=Context(duty=duty),
        quiet=always_quiet,
    )
    urgent, ordinary, unseen = "20261122009101", "20261122009102", "20261122009103"

    def dispatched(case_no: str, is_urgent: bool) -> tuple[events.Envelope, Any]:
        p = case_pb2.CaseDispatched(
            case_no=case_no, unit_id="U-9", unit_name="柳岸社区", topic="城乡建设", urgent=is_urgent
        )
        return envelope(events.CASE_DISPATCHED, p, case_no), p

    def breached(case_no: str, kind: str = "breached") -> tuple[events.Envelope, Any]:
        p = case_pb2.CaseSlaChanged(case_no=case_no, kind=kind, deadline="accept", unit_id="U-9")
        return envelope(events.CASE_SLA_CHANGED, p, case_no), p

    batch = [dispatched(urgent, True), breached(urgent), dispatched(ordinary, False)]
    batch += [breached(ordinary), breached(unseen)]
    assert await notifier.apply_batch(batch) == [True] * 5
    assert await notifier.apply_batch([breached(urgent, "escalated")]) == [True]

    def held(log: list[dict[str, Any]]) -> dict[str, bool]:
        return {
            r["template"]: r["next_attempt_at"] > r["sent_at"] for r in log if r["channel"] == "sms"
        }

    assert held(await rows(rig, urgent)) == {
        "handler_duty_urgent_case": False,
        "handler_duty_breached": False,
        "handler_duty_escalated": False,
    }
    assert held(await rows(rig, ordinary)) == {"handler_duty_breached": True}
    assert held(await rows(rig, unseen)) == {"handler_duty_breached": True}


async def test_a_failing_gateway_is_retried_then_dead_lettered(rig: Rig) -> None:
    case_no, phone = "20261122009002", "13900139002"
    await rig.sms.post("/v1/faults", json={"fail_next": 100, "status": 503})
    received = case_pb2.CaseReceived(case_no=case_no, caller_phone=phone, content="噪音扰民")
    await rig.notifier(envelope(events.CASE_RECEIVED, received, case_no), received)

    attempts_seen = []
    for _ in range(40):
        await rig.deliverer.deliver_once()
        (row,) = await rows(rig, case_no)
        attempts_seen.append(row["attempts"])
        if row["status"] == "dead":
            break
        await asyncio.sleep(0.05)
    assert row["status"] == "dead"
    assert row["attempts"] == 3
    assert "503" in row["last_error"]
    assert sorted(set(attempts_seen)) == [1, 2, 3]  # one attempt at a time, backing off
    assert len((await rig.sms.get("/v1/attempts")).json()) == 3
    assert (await rig.sms.get("/v1/messages", params={"to": phone})).json() == []
    async with rig.sessions() as session:
        dead = await store.by_status(session, status="dead")
        outbox = (await session.execute(sa.select(store.outbox))).all()
    assert [d["case_no"] for d in dead] == [case_no]
    sent = [events.decode(r.payload) for r in outbox]
    assert [p.status for _, p in sent] == ["dead_letter"]


async def skip_to_next_attempt(rig: Rig, case_no: str) -> float:
    """Time-skip: the case's pending deliveries are due now; how far the clock jumped (s)."""
    async with rig.sessions() as session, session.begin():
        n = store.notifications.c
        due = (
            await session.execute(
                sa.select(
                    sa.func.extract("epoch", sa.func.max(n.next_attempt_at) - sa.func.now())
                ).where(n.case_no == case_no, n.status == "pending")
            )
        ).scalar_one()
        await session.execute(
            store.notifications.update()
            .where(n.case_no == case_no, n.status == "pending")
            .values(next_attempt_at=sa.func.now())
        )
    return max(float(due or 0), 0.0)


async def test_a_ten_minute_gateway_outage_still_delivers_the_receipt_once(rig: Rig) -> None:
    case_no, phone = "20261122009005", "13900139005"
    rig.deliverer.backoff = RetrySchedule.parse(NotifySettings().retry_schedule)
    rig.deliverer.quiet = NEVER_QUIET
    await rig.sms.post("/v1/faults", json={"fail_next": 10_000, "status": 503})
    received = case_pb2.CaseReceived(case_no=case_no, caller_phone=phone, content="停水三天")
    await rig.notifier(envelope(events.CASE_RECEIVED, received, case_no), received)
    down_for = 0.0
    for _ in range(20):
        await rig.deliverer.deliver_once()
        (row,) = await rows(rig, case_no)
        if row["status"] != "pending":
            break
        down_for += await skip_to_next_attempt(rig, case_no)
        if down_for >= 600:  # the gateway is back after ten minutes
            await rig.sms.post("/v1/faults", json={"fail_next": 0})
    assert row["status"] == "delivered"
    assert row["attempts"] > 5  # more than the five tries the old backoff had
    assert len((await rig.sms.get("/v1/messages", params={"to": phone})).json()) == 1


async def test_retries_a_closed_case_no_longer_needs_are_withdrawn(rig: Rig) -> None:
    case_no, phone = "20261122009006", "13900139006"
    await rig.sms.post("/v1/faults", json={"fail_next": 10_000, "status": 503})
    received = case_pb2.CaseReceived(case_no=case_no, caller_phone=phone, content="路面塌陷")
    await rig.notifier(envelope(events.CASE_RECEIVED, received, case_no), received)
    await rig.deliverer.deliver_once()  # the receipt fails once and waits for its retry
    closed = case_pb2.CaseClosed(case_no=case_no, reason="satisfied")
    await rig.notifier(envelope(events.CASE_CLOSED, closed, case_no), closed)
    await rig.sms.post("/v1/faults", json={"fail_next": 0})
    await skip_to_next_attempt(rig, case_no)
    await drain(rig)
    receipt = next(r for r in await rows(rig, case_no) if r["template"] == "citizen_received")
    assert receipt["status"] == "withdrawn"
    assert (await rig.sms.get("/v1/messages", params={"to": phone})).json() == []


async def test_a_dead_delivery_sent_again_twice_goes_out_once(rig: Rig) -> None:
    case_no, phone = "20261122009007", "13900139007"
    rig.deliverer.backoff = RetrySchedule.parse("1s")
    await rig.sms.post("/v1/faults", json={"fail_next": 1, "status": 503})
    received = case_pb2.CaseReceived(case_no=case_no, caller_phone=phone, content="占道经营")
    await rig.notifier(envelope(events.CASE_RECEIVED, received, case_no), received)
    await rig.deliverer.deliver_once()
    await skip_to_next_attempt(rig, case_no)
    await rig.sms.post("/v1/faults", json={"fail_next": 1, "status": 503})
    await rig.deliverer.deliver_once()
    (row,) = await rows(rig, case_no)
    assert row["status"] == "dead"
    for _ in range(2):  # an operator replays it twice
        async with rig.sessions() as session, session.begin():
            await store.revive(session, ids=[row["id"]], at=datetime.now(UTC))
        await drain(rig)
    (row,) = await rows(rig, case_no)
    assert row["status"] == "delivered"
    assert len((await rig.sms.get("/v1/messages", params={"to": phone})).json()) == 1
    async with rig.sessions() as session:
        outbox = (await session.execute(sa.select(store.outbox))).all()
    statuses = [
        p.status for e, p in (events.decode(r.payload) for r in outbox) if e.subject == case_no
    ]
    assert sorted(statuses) == ["dead_letter", "delivered"]  # both on the record
