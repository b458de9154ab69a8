"""Callers' data at rest against a real PostgreSQL (throwaway databases): the migrations seal
what intake and notify stored plain, pseudonymisation drops callers past retention and keeps
the cases, and re-sealing moves every value to the newest key and recomputes the index."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic import command
from cryptography.fernet import Fernet

from services.common import events
from services.common.db import alembic_config, make_engine, make_sessionmaker
from services.common.pii import Caller, Sealer, local_index_key, local_keys
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.intake import store as intake_store
from services.intake.pseudonymise import pseudonymise_once, reseal_all
from services.notify import pseudonymise as notify_pseudonymise
from services.notify import store as notify_store
from tests.support import ROOT, StackAddresses

SEALER = Sealer(local_keys(), local_index_key())  # what the migrations use on a test stack
OLD_KEY = Fernet.generate_key().decode()
PHONE, NAME = "13512345678", "李先生"
NOW = datetime.now(UTC)


class Scratch:
    """A throwaway database migrated to a given revision of one service."""

    def __init__(self, stack: StackAddresses, service: str, metadata: Any) -> None:
        self.stack, self.metadata = stack, metadata
        self.name = f"minhu_{service}_pii_{uuid.uuid4().hex[:8]}"
        self.versions = Path(ROOT) / "services" / service / "migrations" / "versions"
        self.url = (
            f"postgresql+asyncpg://minhu:{stack.pg_password}@{stack.pg_host}:"
            f"{stack.pg_port}/{self.name}"
        )

    async def upgrade(self, revision: str) -> None:
        cfg = alembic_config(self.url, self.versions, self.metadata)
        await asyncio.to_thread(command.upgrade, cfg, revision)

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.stack.dsn(self.name))


@pytest.fixture
async def scratch(stack: StackAddresses) -> AsyncIterator[Any]:
    made: list[Scratch] = []
    admin = await asyncpg.connect(stack.dsn("minhu_intake"))

    async def make(service: str, metadata: Any) -> Scratch:
        db = Scratch(stack, service, metadata)
        await admin.execute(f'CREATE DATABASE "{db.name}"')
        made.append(db)
        return db

    try:
        yield make
    finally:
        for db in made:
            await admin.execute(f'DROP DATABASE "{db.name}" WITH (FORCE)')
        await admin.close()


async def test_intake_migration_seals_plain_callers_and_drops_the_plain_columns(
    scratch: Any,
) -> None:
    db = await scratch("intake", intake_store.metadata)
    await db.upgrade("intake_0002")
    conn = await db.connect()
    try:
        insert = (
            "INSERT INTO cases (case_no, channel, caller_name, caller_phone, content, status,"
            " event_id, received_at)"
            " VALUES ($1, 'phone', $2, $3, '路灯坏了', 'received', $1, now())"
        )
        await conn.execute(insert, "20261101000001", NAME, PHONE)
        await conn.execute(insert, "20261101000002", None, None)
        plain = case_pb2.CaseReceived(
            case_no="20261101000001", caller_name=NAME, caller_phone=PHONE, content="路灯坏了"
        )
        await _outbox(conn, events.CASE_RECEIVED, plain)
        await db.upgrade("head")
        (stored,) = await conn.fetch("SELECT event_id, payload FROM outbox")
        columns = {
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'cases'"
            )
        }
        rows = await conn.fetch("SELECT * FROM cases ORDER BY case_no")
    finally:
        await conn.close()
    assert not {"caller_name", "caller_phone"} & columns
    assert {"caller_sealed", "caller_ref", "pseudonymised_at"} <= columns
    assert SEALER.open(rows[0]["caller_sealed"]) == Caller(NAME, PHONE)
    assert rows[0]["caller_ref"] == SEALER.index(PHONE)
    assert rows[1]["caller_sealed"] is None and rows[1]["caller_ref"] is None
    assert PHONE not in str([dict(r) for r in rows])
    env, payload = events.decode(stored["payload"])
    assert env.id == stored["event_id"] and PHONE.encode() not in stored["payload"]
    assert payload.caller_phone == "" and payload.caller_name == ""  # type: ignore[attr-defined]
    assert SEALER.open(payload.caller_sealed) == Caller(NAME, PHONE)  # type: ignore[attr-defined]
    assert payload.caller_ref == SEALER.index(PHONE)  # type: ignore[attr-defined]


async def _outbox(conn: Any, kind: events.EventKind, payload: Any) -> None:
    env = events.envelope(kind, payload, subject=payload.case_no, source="minhu/test")
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1, $2, $3, $4)",
        env.id,
        kind.topic,
        payload.case_no,
        env.SerializeToString(),
    )


async def test_intake_pseudonymises_after_retention_and_reseals_under_the_newest_key(
    scratch: Any,
) -> None:
    db = await scratch("intake", intake_store.metadata)
    await db.upgrade("head")
    intake_store._DAY_SEQUENCES.clear()  # the day's sequence is this database's own
    engine = make_engine(db.url, pool_size=2)
    sessions = make_sessionmaker(engine)
    old = Sealer([OLD_KEY], local_index_key())
    try:
        async with sessions() as session, session.begin():
            for i, closed in enumerate((NOW - timedelta(days=200), NOW - timedelta(days=10), None)):
                case = intake_store.NewCase(
                    channel="phone", content=f"事项{i}", caller_phone=PHONE, caller_name=NAME
                )
                # The first case is sealed under a key that has since been rotated out.
                no, _ = await intake_store.create_case(
                    session, case=case, now=NOW, sealer=old if i == 0 else SEALER
                )
                if closed:
                    await intake_store.mark_closed(session, case_no=no, at=closed)
        assert await pseudonymise_once(sessions, retention_days=180, dry_run=True) == 1
        # Rotation first: newest key first, the old one still opens.
        rotated = Sealer([*local_keys(), OLD_KEY], local_index_key())
        done = await reseal_all(sessions, rotated)
        assert done.resealed == 3 and not done.unreadable
        async with sessions() as session:
            found = await intake_store.find_cases(session, phone=PHONE, sealer=SEALER)
        assert len(found) == 3 and {c["caller_phone"] for c in found} == {PHONE}
        assert await pseudonymise_once(sessions, retention_days=180) == 1
        async with sessions() as session:
            found = await intake_store.find_cases(session, phone=PHONE, sealer=SEALER)
            oldest = await intake_store.list_cases(
                session, start=NOW - timedelta(days=1), end=NOW + timedelta(days=1), sealer=SEALER
            )
        assert len(found) == 2  # the pseudonymised case is no longer found by the number...
        kept = [c for c in oldest if c["pseudonymised_at"] is not None]
        assert len(kept) == 1 and kept[0]["caller_phone"] is None  # ...but the case is kept
        assert kept[0]["content"] == "事项0"
        assert await pseudonymise_once(sessions, retention_days=180) == 0  # once only
    finally:
        await engine.dispose()


async def test_the_pseudonymise_command_runs(stack: StackAddresses) -> None:
    for module in ("services.intake.pseudonymise", "services.notify.pseudonymise"):
        proc = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", module, "--dry-run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=os.environ,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "would pseudonymise" in proc.stdout


async def test_notify_migration_seals_numbers_masks_recipients_and_cleans_webhook_bodies(
    scratch: Any,
) -> None:
    db = await scratch("notify", notify_store.metadata)
    await db.upgrade("notify_0004")
    hook = json.dumps({"id": "e2", "data": {"caller_name": NAME, "content": "路灯"}})
    conn = await db.connect()
    try:
        await conn.execute(
            "INSERT INTO callers VALUES ('20261101000001', $1, false, true, false, now())", PHONE
        )
        notice = (
            "INSERT INTO notifications (case_no, event_id, event_type, channel, recipient,"
            " template, body, status, sent_at) VALUES"
            " ('20261101000001', $1, 't', $2, $3, $4, $5, 'delivered', now())"
        )
        await conn.execute(notice, "e1", "sms", PHONE, "citizen_received_survey", "您好")
        await conn.execute(notice, "e2", "webhook", "city-portal", "webhook_event", hook)
        await conn.execute(
            "INSERT INTO sms_replies (msg_id, phone, text, received_at, status)"
            " VALUES ('up-1', $1, '1', now(), 'applied')",
            PHONE,
        )
        sent = case_pb2.NotificationSent(
            case_no="20261101000001", channel="sms", recipient=PHONE, status="delivered"
        )
        await _outbox(conn, events.NOTIFICATION_SENT, sent)
        await db.upgrade("head")
        (stored,) = await conn.fetch("SELECT payload FROM outbox")
        callers = await conn.fetch("SELECT * FROM callers")
        notes = {r["channel"]: r for r in await conn.fetch("SELECT * FROM notifications")}
        replies = await conn.fetch("SELECT * FROM sms_replies")
    finally:
        await conn.close()
    assert SEALER.open(callers[0]["caller_sealed"]).phone == PHONE
    assert callers[0]["caller_ref"] == SEALER.index(PHONE) and "phone" not in callers[0]
    sms = notes["sms"]
    assert sms["recipient"] == "135****5678" and sms["recipient_ref"] == SEALER.index(PHONE)
    assert SEALER.open(sms["recipient_sealed"]).phone == PHONE
    assert NAME not in notes["webhook"]["body"] and "路灯" in notes["webhook"]["body"]
    assert replies[0]["phone"] == "135****5678" and replies[0]["phone_ref"] == SEALER.index(PHONE)
    everything = str([dict(r) for r in [*callers, *notes.values(), *replies]])
    assert PHONE not in everything and PHONE.encode() not in stored["payload"]
    assert events.decode(stored["payload"])[1].recipient == "135****5678"  # type: ignore[attr-defined]


async def test_notify_pseudonymises_and_reseals(scratch: Any) -> None:
    db = await scratch("notify", notify_store.metadata)
    await db.upgrade("head")
    engine = make_engine(db.url, pool_size=2)
    sessions = make_sessionmaker(engine)
    old = Sealer([OLD_KEY], "an-old-index-key")
    long_ago = NOW - timedelta(days=200)
    try:
        async with sessions() as session, session.begin():
            for case_no, closed in (("20261101000001", long_ago), ("20261101000002", None)):
                await notify_store.remember_caller(
                    session,
                    case_no=case_no,
                    caller_sealed=old.seal(Caller(phone=PHONE)),
                    caller_ref=old.index(PHONE),
                    anonymous=False,
                    callback_consent=True,
                    urgent=False,
                    received_at=long_ago,
                )
                if closed:
                    await notify_store.caller_closed(session, case_no=case_no, at=closed)
        # Both keys rotate: the newest sealing key first, and a new index key.
        rotated = Sealer([*local_keys(), OLD_KEY], local_index_key())
        done = await notify_pseudonymise.reseal_all(sessions, rotated)
        assert done.resealed == 2 and not done.unreadable
        async with sessions() as session:
            rows = {
                r["case_no"]: r
                for r in [
                    await notify_store.caller(session, case_no=n)
                    for n in ("20261101000001", "20261101000002")
                ]
                if r
            }
        assert {SEALER.open(r["caller_sealed"]).phone for r in rows.values()} == {PHONE}
        assert {r["caller_ref"] for r in rows.values()} == {SEALER.index(PHONE)}
        counts = await notify_pseudonymise.pseudonymise_once(sessions, retention_days=180)
        assert counts["callers"] == 1
        async with sessions() as session:
            gone = await notify_store.caller(session, case_no="20261101000001")
            kept = await notify_store.caller(session, case_no="20261101000002")
        assert gone is not None and gone["caller_sealed"] is None and gone["pseudonymised_at"]
        assert kept is not None and kept["caller_sealed"] is not None
    finally:
        await engine.dispose()
