"""Open-loop load of real messages through intake, and when each case got through.

A case is through when its unit's in-app notice about the dispatch has gone out on
notify.sent and (unless it waits for a human dispatcher, or is praise, which dispatch
forwards and closes) its workflow has announced its first deadlines on case.sla. Times are
Kafka record timestamps (the producers' clocks, this machine's), so the tracker's own
reading delay does not count.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from aiokafka import AIOKafkaConsumer

from bench.harness.messages import Message
from services.common.events import Topic, decode

NOTICE_TEMPLATES = frozenset({"handler_new_case", "dispatcher_manual_case", "handler_praise"})
# Cases whose notice is all there is: a human dispatcher's, or praise (dispatch forwards it
# to the unit and closes it, no workflow).
NO_WORKFLOW = frozenset({"dispatcher_manual_case", "handler_praise"})


@dataclass
class Posted:
    """One POST /v1/cases of the load."""

    sent: float
    acked: float | None = None
    status: int = 0
    case_no: str | None = None


@dataclass
class Tracker:
    """Reads case.dispatched, case.sla and notify.sent from their ends."""

    bootstrap: str
    manual: dict[str, bool] = field(default_factory=dict)
    received: dict[str, float] = field(default_factory=dict)
    dispatched: dict[str, float] = field(default_factory=dict)
    no_workflow: set[str] = field(default_factory=set)
    workflow: dict[str, float] = field(default_factory=dict)
    notice: dict[str, float] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        """Position at the end of each topic and keep reading in the background."""
        self._consumer = AIOKafkaConsumer(
            Topic.RECEIVED,
            Topic.DISPATCHED,
            Topic.SLA,
            Topic.NOTIFY_SENT,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="latest",
            fetch_max_wait_ms=100,
        )
        await self._consumer.start()
        await self._consumer.seek_to_end()
        # Resolve the positions now, so nothing published after start() is skipped.
        for tp in self._consumer.assignment():
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(timeout_ms=200, max_records=2000)
            for records in batch.values():
                for record in records:
                    self._see(record.topic, record.value, record.timestamp / 1000)

    def _see(self, topic: str, value: bytes, at: float) -> None:
        try:
            env, payload = decode(value)
        except ValueError:
            return
        case_no = env.subject
        if topic == Topic.RECEIVED:
            self.received.setdefault(case_no, at)
        elif topic == Topic.DISPATCHED:
            self.manual[case_no] = bool(payload.manual)  # type: ignore[attr-defined]
            self.dispatched.setdefault(case_no, at)
        elif topic == Topic.SLA:
            if payload.kind == "deadlines_set":  # type: ignore[attr-defined]
                self.workflow.setdefault(case_no, at)
        elif (
            payload.channel == "in_app"  # type: ignore[attr-defined]
            and payload.template in NOTICE_TEMPLATES  # type: ignore[attr-defined]
        ):
            self.notice.setdefault(case_no, at)
            if payload.template in NO_WORKFLOW:  # type: ignore[attr-defined]
                self.no_workflow.add(case_no)

    def hops(self, case_no: str, acked: float) -> dict[str, float]:
        """Seconds each leg took: intake's outbox (acknowledged → on case.received), dispatch
        (→ case.dispatched), the workflow's start (→ deadlines on case.sla), the notice
        (dispatched → on notify.sent); the legs not (yet) seen are left out."""
        got = self.received.get(case_no)
        sent = self.dispatched.get(case_no)
        legs = {
            "outbox": (acked, got),
            "dispatch": (got, sent),
            "workflow": (sent, self.workflow.get(case_no)),
            "notice": (sent, self.notice.get(case_no)),
        }
        return {k: max(0.0, b - a) for k, (a, b) in legs.items() if a is not None and b is not None}

    def through(self, case_no: str) -> float | None:
        """When a case got through (workflow running and unit told), or None."""
        notice = self.notice.get(case_no)
        if notice is None:
            return None
        if self.manual.get(case_no) or case_no in self.no_workflow:
            return notice
        running = self.workflow.get(case_no)
        return None if running is None else max(notice, running)


def body(msg: Message, grid: str) -> dict[str, object]:
    """A case as an operator would file it from a web message."""
    return {
        "channel": "web",
        "caller_phone": f"13{secrets.randbelow(10**9):09d}",
        "title": msg.title or None,
        "content": msg.text,
        "grid_code": grid,
    }


@dataclass
class Load:
    """Posts cases open-loop: each at its scheduled time, whatever earlier ones are doing.

    Through aiohttp: with a few hundred requests in flight, httpx's connection pool spent
    seconds of the client's own time on each, and the POST latencies it reported were the
    client's, not intake's.
    """

    intake_url: str
    messages: list[Message]
    grids: list[str]
    http: aiohttp.ClientSession
    next_msg: int = 0
    pending: set[asyncio.Task[None]] = field(default_factory=set)
    rng: random.Random = field(default_factory=lambda: random.Random(12345))

    async def _post(self, p: Posted, payload: dict[str, object]) -> None:
        try:
            async with self.http.post(f"{self.intake_url}/v1/cases", json=payload) as resp:
                p.status = resp.status
                answer = await resp.json(content_type=None)
                if resp.status in (200, 201):
                    p.case_no = answer["case_no"]
        except (TimeoutError, aiohttp.ClientError, ValueError):
            p.status = -1
        p.acked = time.time()

    async def run(
        self, rate: float, seconds: float, tick: Callable[[float], None] | None = None
    ) -> list[Posted]:
        """Offer `rate` cases a second for `seconds`; returns every POST (some may still run)."""
        n = max(1, round(rate * seconds))
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        posted: list[Posted] = []
        for i in range(n):
            delay = t0 + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            msg = self.messages[self.next_msg % len(self.messages)]
            self.next_msg += 1
            p = Posted(sent=time.time())
            posted.append(p)
            task = asyncio.create_task(self._post(p, body(msg, self.rng.choice(self.grids))))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)
            if tick is not None:
                tick((i + 1) / n)
        rest = t0 + seconds - loop.time()
        if rest > 0:
            await asyncio.sleep(rest)
        return posted

    async def settle(self, timeout: float) -> None:
        """Wait for the POSTs still under way."""
        if self.pending:
            await asyncio.wait(set(self.pending), timeout=timeout)
