"""Helpers for tests that talk to the real servers of the `test` stack profile."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer

from services.common.access.services import ACTOR_HEADER
from services.common.events import decode
from services.common.settings import CommonSettings

T = TypeVar("T")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILE = os.environ.get("MINHU_PROFILE", "test")
RUN_DIR = os.path.join(ROOT, "var", PROFILE, "run")
# Tests call the services' /v1 APIs as a trusted system would (the desk, unless a route is
# another service's: then as that service, e.g. AS_INTAKE for a case's assignment).
SERVICE_HEADERS = CommonSettings().service_headers("desk")
DEMO_PASSWORD = "minhu-demo"
_CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


def csrf_field(html: str) -> str:
    """The hidden csrf field of the (first) form of a page."""
    found = _CSRF_FIELD.search(html)
    assert found, "no csrf field on the page"
    return found.group(1)


def csrf_meta(html: str) -> str:
    """The session's CSRF token a desk page hands its scripts."""
    found = _CSRF_META.search(html)
    return found.group(1) if found else ""


def desk_login(client: httpx.Client, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in at the desk through its login form, as a browser would; the session's CSRF
    token is returned and sent on every later request of this client (X-CSRF-Token)."""
    token = csrf_field(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": password, "csrf": token})
    assert resp.status_code == 303, resp.text
    csrf = csrf_meta(client.get(resp.headers["location"]).text)
    client.headers["X-CSRF-Token"] = csrf
    return csrf


async def desk_login_async(
    client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD
) -> str:
    """`desk_login` for an async client."""
    token = csrf_field((await client.get("/login")).text)
    resp = await client.post(
        "/login", data={"username": username, "password": password, "csrf": token}
    )
    assert resp.status_code == 303, resp.text
    csrf = csrf_meta((await client.get(resp.headers["location"])).text)
    client.headers["X-CSRF-Token"] = csrf
    return csrf


# Intake admits people and API clients: tests file and read cases as the demo client of
# local and test profiles (every scope), or as a person signed in at the desk.
INTAKE_KEY = "minhu-demo"
INTAKE_HEADERS = {"X-API-Key": INTAKE_KEY}
AS_INTAKE = CommonSettings().service_headers("intake")
AS_NOTIFY = CommonSettings().service_headers("notify")
# Demo accounts acting on the cases new_case files (they go to 柳岸社区, U-D01-T01-V01):
# its handler, and the 12345 centre's dispatcher who makes the callback survey.
HANDLER = "liuan"
CALLER = "paidan"


def acting(username: str) -> dict[str, str]:
    """The desk's headers for a command a signed-in person sends to sla."""
    return {**SERVICE_HEADERS, ACTOR_HEADER: username}


@dataclass(frozen=True)
class StackAddresses:
    """Where the running stack's servers and services answer."""

    intake: str
    dispatch: str
    sla: str
    notify: str
    desk: str
    kafka: str
    temporal: str
    pg_host: str
    pg_port: int
    pg_password: str

    @classmethod
    def from_env(cls) -> StackAddresses:
        """Read the MINHU_* variables deploy/pytest.sh --stack exports; fail loudly if absent."""
        if "MINHU_KAFKA_BOOTSTRAP" not in os.environ:
            raise RuntimeError(
                "no stack: run these tests through `make test` (deploy/pytest.sh --stack)"
            )
        env = os.environ
        return cls(
            intake=env["MINHU_INTAKE_URL"],
            dispatch=env["MINHU_DISPATCH_URL"],
            sla=env["MINHU_SLA_URL"],
            notify=env["MINHU_NOTIFY_URL"],
            desk=env["MINHU_DESK_URL"],
            kafka=env["MINHU_KAFKA_BOOTSTRAP"],
            temporal=env["MINHU_TEMPORAL_ADDRESS"],
            pg_host=env["MINHU_PG_HOST"],
            pg_port=int(env["MINHU_PG_PORT"]),
            pg_password=env["MINHU_PG_PASSWORD"],
        )

    def dsn(self, database: str) -> str:
        """asyncpg DSN of one service database."""
        return f"postgresql://minhu:{self.pg_password}@{self.pg_host}:{self.pg_port}/{database}"


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 10.0, interval: float = 0.1
) -> T:
    """Poll until probe returns something truthy; fail with the last value after timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


async def get_json(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> Any | None:
    """The JSON body of a 200 response, else None."""
    resp = await client.get(url, headers=headers)
    return resp.json() if resp.status_code == 200 else None


def new_case(**overrides: Any) -> dict[str, Any]:
    """A realistic case body a village unit handles (a broken street lamp on 柳岸路).

    Each call comes from a fresh number: the same caller telling the same matter again
    within days is a repeat call (重复件), linked to the first case and not dispatched.
    """
    body: dict[str, Any] = {
        "channel": "phone",
        "caller_phone": f"138{secrets.randbelow(10**8):08d}",
        "caller_name": "张女士",
        "title": "柳岸路路灯不亮",
        "content": "柳岸路靠近柳岸花园门口的路灯坏了一个星期了，晚上很黑，老人孩子走路不安全。",
        "address": "柳岸路柳岸花园门口",
    }
    body.update(overrides)
    return body


async def signed_in(stack: StackAddresses, username: str) -> httpx.AsyncClient:
    """A client signed in at the desk as this demo user, sending intake's CSRF token.

    The desk's session cookie is per host, so it reaches intake's port too.
    """
    client = httpx.AsyncClient(base_url=stack.desk, timeout=10.0)
    await desk_login_async(client, username)
    assert client.cookies.get("minhu_session"), "the desk set no minhu_session cookie"
    me = await client.get(f"{stack.intake}/v1/me")
    assert me.status_code == 200, me.text
    client.headers["X-CSRF-Token"] = me.json()["csrf"]
    return client


async def add_api_client(
    name: str, *scopes: str, burst: int | None = None, per_minute: float | None = None
) -> str:
    """Register an intake API client through its command line (on this stack); its key."""
    args = [sys.executable, "-m", "services.intake.clients", "add", name]
    args += [a for scope in scopes for a in ("--scope", scope)]
    if burst is not None:
        args += ["--burst", str(burst)]
    if per_minute is not None:
        args += ["--per-minute", str(per_minute)]
    proc = await asyncio.to_thread(
        subprocess.run, args, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.strip().splitlines()[-1].rsplit(" ", 1)[-1]


async def intake_clients(*args: str) -> str:
    """Run `python -m services.intake.clients ARGS` on this stack; its output."""
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.intake.clients", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


async def read_topic(bootstrap: str, topic: str, *, idle_ms: int = 1500) -> list[Any]:
    """Every record of a topic from the beginning, decoded where possible."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    out: list[Any] = []
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=idle_ms)
            if not batch:
                break
            for records in batch.values():
                for record in records:
                    try:
                        out.append(decode(record.value))
                    except ValueError:
                        out.append(record)
    finally:
        await consumer.stop()
    return out


DRILL_POLICY = os.path.join(ROOT, "deploy", "sla", "drill.yaml")


async def case_events(
    bootstrap: str, topic: str, case_no: str, *, idle_ms: int = 1500
) -> list[tuple[Any, Any]]:
    """A case's events on a topic from the beginning, in order, as (envelope, payload);
    records that do not decode (other tests' dead letters) are left out."""
    return [
        r
        for r in await read_topic(bootstrap, topic, idle_ms=idle_ms)
        if isinstance(r, tuple) and r[0].subject == case_no
    ]


async def stack_command(*args: str, env: dict[str, str] | None = None) -> None:
    """Run `deploy/stack.py` on this profile (e.g. "restart", "sla"); fail the test if it fails."""
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "deploy/stack.py", "--profile", PROFILE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


async def open_and_resolve(
    stack: StackAddresses, http: httpx.AsyncClient, body: dict[str, Any]
) -> str:
    """Post a case, let its unit accept and resolve it through sla; its case number."""
    case_no = str((await http.post(f"{stack.intake}/v1/cases", json=body)).json()["case_no"])
    sla_url = f"{stack.sla}/v1/cases/{case_no}"

    async def waiting() -> dict[str, Any] | None:
        status = await get_json(http, sla_url)
        return status if status and status["accept_due"] else None

    await eventually(waiting, timeout=20)
    for command, note in (("accept", ""), ("resolve", "已更换路灯灯泡，恢复照明")):

        async def sent(command: str = command, note: str = note) -> httpx.Response | None:
            resp = await http.post(
                f"{sla_url}/{command}",
                json={"actor": HANDLER, "note": note},
                headers=acting(HANDLER),
            )
            # 503: sla could not reach the desk to check the person in time; it says to retry.
            return None if resp.status_code == 503 else resp

        resp = await eventually(sent, timeout=30, interval=1.0)
        assert resp.status_code == 200, resp.text
    return case_no
