"""Callers' personal data in the desk: sealed at rest, masked in every answer, read in full
only by the roles that call back and only through an audited read that auditors search,
pseudonymised after the retention and re-sealed under a new key."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from services.common.pii import Sealer
from services.common.settings import CommonSettings
from tests.support import ROOT, StackAddresses, desk_login_async, eventually, get_json, new_case

NAME = "欧阳娜娜"


async def _filed(stack: StackAddresses, http: httpx.AsyncClient) -> tuple[str, str]:
    """A case filed through intake and recorded by the desk: (case number, phone)."""
    phone = f"139{secrets.randbelow(10**8):08d}"
    resp = await http.post(
        f"{stack.intake}/v1/cases",
        json=new_case(caller_phone=phone, caller_name=NAME, callback_consent=True),
    )
    assert resp.status_code in (200, 201), resp.text
    case_no = str(resp.json()["case_no"])

    async def recorded() -> Any:
        record = await get_json(http, f"{stack.desk}/v1/cases/{case_no}/record")
        return record if record and record["caller"] and record["case"] else None

    await eventually(recorded, timeout=30)
    return case_no, phone


async def _signed_in(stack: StackAddresses, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=stack.desk, timeout=10)
    await desk_login_async(client, username)
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the case page has no reveal form"
    return found.group(1)


async def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": ROOT}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.desk.pseudonymise", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_the_desk_keeps_no_plain_caller_and_audits_every_full_read(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no, phone = await _filed(stack, http)
    sealer = Sealer.from_settings(CommonSettings())

    db = await asyncpg.connect(stack.dsn("minhu_desk"))
    try:
        stored = await db.fetchrow("SELECT * FROM record_callers WHERE case_no = $1", case_no)
        assert stored is not None
        columns = set(stored.keys())
        assert columns >= {"caller_sealed", "caller_ref", "pseudonymised_at"}
        assert not columns & {"caller_phone", "caller_name"}
        assert stored["caller_ref"] == sealer.index(phone)
        assert sealer.open(stored["caller_sealed"]).phone == phone
        for table in ("record_callers", "record_entries"):
            leaks = await db.fetchval(
                f"SELECT count(*) FROM {table} t WHERE t::text LIKE $1 OR t::text LIKE $2",
                f"%{phone}%",
                f"%{NAME}%",
            )
            assert leaks == 0, f"{table} holds the caller in plain"
    finally:
        await db.close()

    # The record API masks name and number; a search by number finds the case.
    record = await get_json(http, f"{stack.desk}/v1/cases/{case_no}/record")
    assert record["caller"]["caller_phone"] == phone[:3] + "****" + phone[-4:]
    assert record["caller"]["caller_name"] == "欧***"
    found = (await http.get(f"{stack.desk}/v1/search", params={"phone": phone})).json()
    assert [c["case_no"] for c in found["cases"]] == [case_no]

    admin = await _signed_in(stack, "admin")
    dispatcher = await _signed_in(stack, "paidan")
    supervisor = await _signed_in(stack, "duban")
    auditor = await _signed_in(stack, "auditor")
    try:
        page = (await dispatcher.get(f"/cases/{case_no}")).text
        assert phone not in page and NAME not in page and "显示完整号码" in page
        token = _csrf(page)
        # Without the page's token the read is refused (another site cannot ask for it).
        refused = await dispatcher.post(f"/cases/{case_no}/caller", headers={"X-CSRF-Token": ""})
        assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
        got = await dispatcher.post(f"/cases/{case_no}/caller", headers={"X-CSRF-Token": token})
        assert got.status_code == 200, got.text
        assert got.json() == {"case_no": case_no, "caller_name": NAME, "caller_phone": phone}
        assert got.headers["cache-control"] == "no-store"

        # A supervisor does not call back: masked page, no button, the read refused.
        page = (await supervisor.get(f"/cases/{case_no}")).text
        assert phone not in page and "显示完整号码" not in page
        no = await supervisor.post(f"/cases/{case_no}/caller", headers={"X-CSRF-Token": "x"})
        assert no.status_code == 403 and "督办" in no.json()["message"]
        # Exports mask for every role, the callers-back included.
        for client in (dispatcher, admin):
            exported = (await client.get(f"/cases/{case_no}/record.csv")).text
            assert phone not in exported and phone[-4:] in exported

        # The read is in the audit; the auditor finds it by case and by user.
        listed = await auditor.get("/audit", params={"case_no": case_no})
        assert listed.status_code == 200
        assert "paidan" in listed.text and "来电号码与姓名" in listed.text
        assert phone not in listed.text
        mine = await auditor.get("/audit", params={"username": "paidan", "case_no": case_no})
        assert mine.text.count(f'data-case="{case_no}"') == 1
        none = await auditor.get("/audit", params={"username": "nobody", "case_no": case_no})
        assert f'data-case="{case_no}"' not in none.text
        csv = await auditor.get("/audit.csv", params={"case_no": case_no})
        assert csv.status_code == 200 and csv.text.startswith("\ufeff")
        assert "paidan" in csv.text and case_no in csv.text
        # Only auditors read the audit.
        assert (await dispatcher.get("/audit")).status_code == 403
        assert (await admin.get("/audit.csv")).status_code == 403
    finally:
        for client in (admin, dispatcher, supervisor, auditor):
            await client.aclose()

    db = await asyncpg.connect(stack.dsn("minhu_desk"))
    try:
        row = await db.fetchrow(
            "SELECT * FROM access_audit WHERE case_no = $1 ORDER BY id DESC LIMIT 1", case_no
        )
        assert row["username"] == "paidan" and row["role"] == "dispatcher"
        assert row["what"] == "caller_phone" and row["route"] == "case_page"
        assert row["client"] and row["user_agent"]
        # The audit is append-only, whoever asks.
        for statement in (
            "UPDATE access_audit SET username = 'x' WHERE id = $1",
            "DELETE FROM access_audit WHERE id = $1",
        ):
            try:
                await db.execute(statement, row["id"])
            except asyncpg.exceptions.InsufficientPrivilegeError:
                pass
            else:
                raise AssertionError(f"{statement} was allowed")
    finally:
        await db.close()


async def test_callers_are_pseudonymised_after_the_retention_and_resealed_on_rotation(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    old, phone = await _filed(stack, http)
    kept, _ = await _filed(stack, http)
    sealer = Sealer.from_settings(CommonSettings())
    db = await asyncpg.connect(stack.dsn("minhu_desk"))
    try:
        before = await db.fetchval(
            "SELECT caller_sealed FROM record_callers WHERE case_no = $1", kept
        )
        resealed = await _cli("--reseal")
        assert resealed.returncode == 0, resealed.stdout + resealed.stderr
        after = await db.fetchval(
            "SELECT caller_sealed FROM record_callers WHERE case_no = $1", kept
        )
        assert after != before and sealer.open(after) == sealer.open(before)

        # The first case was closed long ago (as far as the board knows; its state_at ahead,
        # so no event still on its way puts the case back).
        await db.execute(
            "UPDATE board_cases SET state = 'closed', closed_at = now() - interval '400 days',"
            " state_at = now() + interval '1 day' WHERE case_no = $1",
            old,
        )
        dry = await _cli("--dry-run")
        assert dry.returncode == 0 and "would pseudonymise" in dry.stdout, dry.stderr
        assert await db.fetchval(
            "SELECT pseudonymised_at IS NULL FROM record_callers WHERE case_no = $1", old
        )
        done = await _cli()
        assert done.returncode == 0, done.stdout + done.stderr
        gone = await db.fetchrow("SELECT * FROM record_callers WHERE case_no = $1", old)
        assert gone["pseudonymised_at"] is not None
        assert gone["caller_sealed"].startswith("pseudonym:")
        assert gone["caller_ref"] == gone["caller_sealed"]
        assert await db.fetchval(
            "SELECT pseudonymised_at IS NULL FROM record_callers WHERE case_no = $1", kept
        )
        entries = await db.fetchval("SELECT count(*) FROM record_entries WHERE case_no = $1", old)
        assert entries >= 1  # the record of the case stays
    finally:
        await db.close()

    record = await get_json(http, f"{stack.desk}/v1/cases/{old}/record")
    assert record["caller"]["pseudonymised"] is True and record["caller"]["caller_phone"] == ""
    found = (await http.get(f"{stack.desk}/v1/search", params={"phone": phone})).json()
    assert found["cases"] == []
    admin = await _signed_in(stack, "admin")
    try:
        page = (await admin.get(f"/cases/{old}")).text
        assert "已匿名化" in page and "显示完整号码" not in page
        token = _csrf((await admin.get(f"/cases/{kept}")).text)
        refused = await admin.post(f"/cases/{old}/caller", headers={"X-CSRF-Token": token})
        assert refused.status_code == 410 and "匿名化" in refused.json()["message"]
    finally:
        await admin.aclose()
