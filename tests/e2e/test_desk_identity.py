"""What the desk tells other services about people: intake asks whose session a cookie is,
sla asks whether an account exists and is active; nobody else may ask."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys

import httpx

from services.common.settings import CommonSettings
from tests.support import ROOT, StackAddresses, desk_login_async

COMMON = CommonSettings()


async def test_intake_learns_whose_session_a_cookie_is(stack: StackAddresses) -> None:
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as person:
        csrf = await desk_login_async(person, "operator")
        token = person.cookies["minhu_session"]
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as intake:
        ask = {**COMMON.service_headers("intake"), "X-Minhu-Session": token}
        resp = await intake.get("/v1/sessions/current", headers=ask)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {
            "username": "operator",
            "name": "何话务员",
            "role": "operator",
            "unit_id": "U-D01-DBZX",
            "csrf": csrf,
        }
        bad = {**COMMON.service_headers("intake"), "X-Minhu-Session": "forged"}
        refused = await intake.get("/v1/sessions/current", headers=bad)
        assert refused.status_code == 401
        assert refused.json() == {"code": "session_invalid", "message": "登录已失效，请重新登录"}
        other = {**COMMON.service_headers("sla"), "X-Minhu-Session": token}
        assert (await intake.get("/v1/sessions/current", headers=other)).status_code == 403


async def test_sla_learns_whether_an_account_is_active(stack: StackAddresses) -> None:
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as sla:
        headers = COMMON.service_headers("sla")
        resp = await sla.get("/v1/users/liuan", headers=headers)
        assert resp.status_code == 200
        assert resp.json() == {
            "username": "liuan",
            "name": "王网格员",
            "role": "handler",
            "unit_id": "U-D01-T01-V01",
            "active": True,
        }
        assert (await sla.get("/v1/users/no-such-person", headers=headers)).status_code == 404
        intake = COMMON.service_headers("intake")
        assert (await sla.get("/v1/users/liuan", headers=intake)).status_code == 403
        assert (await sla.get("/v1/users/liuan")).status_code == 401


def identity_cli(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m services.desk.identity …` against the stack's database, the password on
    standard input (never on the command line)."""
    return subprocess.run(
        [sys.executable, "-m", "services.desk.identity", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT},
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_cli_manages_accounts_that_then_sign_in(stack: StackAddresses) -> None:
    name = f"cli{secrets.token_hex(3)}"
    again = await asyncio.to_thread(
        identity_cli,
        "create-admin",
        "--username",
        name,
        "--name",
        "管理员二",
        "--unit",
        "U-D01-DBZX",
        password="一个-足够长的-密码",
    )
    assert again.returncode == 1 and "已有管理员" in again.stderr, again.stderr
    added = await asyncio.to_thread(
        identity_cli,
        "add-user",
        "--username",
        name,
        "--name",
        "命令行 办理人",
        "--unit",
        "U-D01-T01-V01",
        "--role",
        "handler",
        password="一个-足够长的-密码",
    )
    assert added.returncode == 0, added.stderr
    listed = await asyncio.to_thread(identity_cli, "list")
    assert any(
        line.startswith(f"{name}\t") and "办理人" in line for line in listed.stdout.splitlines()
    )
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as person:
        await desk_login_async(person, name, "一个-足够长的-密码")
        assert (await person.get("/ui/cases")).status_code == 200
        disabled = await asyncio.to_thread(identity_cli, "disable", name)
        assert disabled.returncode == 0, disabled.stderr
        # Disabling ends the account's sessions at once.
        assert (await person.get("/ui/cases")).status_code == 401
    weak = await asyncio.to_thread(identity_cli, "set-password", name, password="short")
    assert weak.returncode != 0 and "至少" in weak.stderr
