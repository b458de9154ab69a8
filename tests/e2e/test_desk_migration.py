"""The desk's personal-data migration seals the callers a database already holds, drops the
plain columns, and its downgrade gives them back."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from alembic import command

from services.common.db import alembic_config
from services.common.pii import Sealer
from services.common.settings import CommonSettings
from services.desk.tables import metadata
from tests.support import ROOT, StackAddresses

VERSIONS = Path(ROOT) / "services" / "desk" / "migrations" / "versions"
PHONE = "13912345678"


async def test_existing_plain_callers_are_sealed_and_the_downgrade_opens_them(
    stack: StackAddresses,
) -> None:
    name = f"minhu_desk_migration_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(stack.dsn("postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    common = CommonSettings()
    cfg = alembic_config(common.database_url(name), VERSIONS, metadata)
    sealer = Sealer.from_settings(common)
    try:
        await asyncio.to_thread(command.upgrade, cfg, "desk_0001")
        db = await asyncpg.connect(stack.dsn(name))
        try:
            await db.execute(
                "INSERT INTO record_callers (case_no, caller_name, caller_phone, anonymous)"
                " VALUES ('20261101000001', '张三', $1, false),"
                " ('20261101000002', '', '', true)",
                PHONE,
            )
            await asyncio.to_thread(command.upgrade, cfg, "desk_0003")
            rows = {r["case_no"]: r for r in await db.fetch("SELECT * FROM record_callers")}
            named = rows["20261101000001"]
            assert "caller_phone" not in set(named.keys())
            assert sealer.open(named["caller_sealed"]).phone == PHONE
            assert sealer.open(named["caller_sealed"]).name == "张三"
            assert named["caller_ref"] == sealer.index(PHONE)
            assert rows["20261101000002"]["caller_sealed"] == ""
            assert await db.fetchval("SELECT count(*) FROM access_audit") == 0

            await asyncio.to_thread(command.downgrade, cfg, "desk_0001")
            back = await db.fetchrow(
                "SELECT caller_name, caller_phone FROM record_callers"
                " WHERE case_no = '20261101000001'"
            )
            assert (back["caller_name"], back["caller_phone"]) == ("张三", PHONE)
        finally:
            await db.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
