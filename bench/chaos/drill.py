"""The drill: a steady open-loop load, the faults one after another, then reconciliation.

Each fault is made while the load runs, held for a while, undone (a killed process is
started again, a stopped one continued), and its recovery timed until a fresh probe case has
gone end to end: dispatched, its workflow running (unless it waits for a human dispatcher),
the citizen's receipt SMS at the gateway. Every POST belongs to the window of the fault it
was sent in (from that fault until the next), so the table's rows add up to the whole load.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench.chaos import sources
from bench.chaos.faults import Fault, Processes
from bench.chaos.verdict import Facts, Row, judge, window_of
from bench.harness.load import Load, Posted, body
from bench.harness.messages import Message, grid_codes
from bench.harness.messages import load as load_messages

STEADY = "none (steady load)"


def say(msg: str) -> None:
    print(f"[chaos {datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


@dataclass
class Settings:
    profile: str
    faults: list[Fault]
    rate: float = 5.0  # cases a second, open loop
    warmup: float = 10.0  # seconds of load before the first fault
    settle: float = 10.0  # seconds of load after a recovery, before the next fault
    probe_timeout: float = 240.0  # a fault not recovered by then is reported so
    drain_timeout: float = 300.0  # for the backlog to drain after the last fault


@dataclass
class CallerLoad(Load):
    """The harness's load, keeping each acknowledged case's caller number (the receipt SMS
    is looked for at the gateway by it)."""

    phones: dict[str, str] = field(default_factory=dict)
    posted: list[Posted] = field(default_factory=list)

    async def _post(self, p: Posted, payload: dict[str, object]) -> None:
        await super()._post(p, payload)
        if p.case_no:
            self.phones[p.case_no] = str(payload["caller_phone"])

    async def steady(self, rate: float, stop: asyncio.Event) -> None:
        """Offer `rate` cases a second until stopped."""
        while not stop.is_set():
            self.posted += await self.run(rate, 2.0)

    async def one(self, msg: Message) -> Posted:
        p = Posted(sent=time.time())
        self.posted.append(p)
        await self._post(p, body(msg, self.rng.choice(self.grids)))
        return p


async def probe(load: CallerLoad, at: sources.Addresses, timeout: float) -> float | None:
    """Seconds until a fresh case went end to end, or None if it did not within timeout."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    case_no, answers = None, set()
    while case_no is None and time.monotonic() < deadline:
        p = await load.one(load.messages[secrets.randbelow(len(load.messages))])
        case_no = p.case_no
        if case_no is None:
            answers.add(p.status)
            await asyncio.sleep(1.0)
    if answers:
        say(f"probe refused before it was taken: {sorted(answers)}")
    last = ""
    while case_no is not None and time.monotonic() < deadline:
        try:
            lost = judge(case_no, await sources.one_case(at, case_no, load.phones[case_no])).lost
        except Exception as exc:  # a server still coming back, the workflow not started yet
            lost = [type(exc).__name__]
        if not lost:
            return round(time.monotonic() - t0, 1)
        last = ", ".join(lost)
        await asyncio.sleep(1.0)
    say(f"probe {case_no} not through: {last}")
    return None


@dataclass
class Outcome:
    rows: list[Row]
    facts: Facts
    started: datetime
    seconds: float

    def summary(self) -> dict[str, Any]:
        return {"started": self.started.isoformat(), "seconds": round(self.seconds)}


async def run(s: Settings, env: dict[str, str], api_key: str) -> Outcome:
    at = sources.Addresses(env)
    procs = Processes(s.profile)
    started = datetime.now(UTC)
    t_start = time.monotonic()
    _, messages = load_messages()
    http = aiohttp.ClientSession(
        headers={"X-API-Key": api_key}, timeout=aiohttp.ClientTimeout(total=15.0)
    )
    load = CallerLoad(at.intake, messages, grid_codes(), http, rng=random.Random())
    stop = asyncio.Event()
    labels, starts, recovered = [STEADY], [time.time()], [None]
    loading = asyncio.create_task(load.steady(s.rate, stop))
    try:
        say(f"steady load of {s.rate:g} cases/s for {s.warmup:.0f}s")
        await asyncio.sleep(s.warmup)
        for fault in s.faults:
            labels.append(fault.label)
            starts.append(time.time())
            say(f"{fault.label}: now")
            await procs.inject(fault)
            await asyncio.sleep(fault.hold)
            t0 = time.monotonic()
            try:
                await procs.recover(fault)
            except RuntimeError as exc:  # reported as not recovered; the drill goes on
                say(str(exc)[-2000:])
            probed = await probe(load, at, s.probe_timeout)
            secs = None if probed is None else round(time.monotonic() - t0, 1)
            recovered.append(secs)
            say(f"{fault.label}: recovered in {secs}s" if secs else f"{fault.label}: NOT recovered")
            await asyncio.sleep(s.settle)
    finally:
        procs.resume_all(s.faults)
        stop.set()
        await loading
        await load.settle(60)
        await http.close()
    facts = await drain(at, load.phones, started, s.drain_timeout)
    rows = [Row(label, recover_s=rec) for label, rec in zip(labels, recovered, strict=True)]
    for p in load.posted:
        row = rows[window_of(p.sent, starts)]
        if p.case_no:
            row.add(p.case_no, judge(p.case_no, facts))
        else:
            row.refused += 1
    return Outcome(rows, facts, started, time.monotonic() - t_start)


async def drain(
    at: sources.Addresses, phones: dict[str, str], started: datetime, timeout: float
) -> Facts:
    """Wait until every case is accounted for and the outboxes are empty (or timeout), then
    read every fact."""
    since = started - timedelta(seconds=5)
    deadline = time.monotonic() + timeout
    say(f"draining {len(phones)} acknowledged cases")
    while time.monotonic() < deadline:
        try:
            facts = await sources.gather(at, phones, since, full=False)
        except Exception as exc:  # a server still coming back
            say(f"not readable yet: {type(exc).__name__}")
            await asyncio.sleep(5)
            continue
        missing = sum(bool(judge(c, facts).lost) for c in phones)
        pending = sum(facts.outbox.values())
        if not missing and not pending:
            break
        say(f"{missing} cases not through yet, {pending} events in outboxes")
        await asyncio.sleep(10)
    for _ in range(10):
        try:
            return await sources.gather(at, phones, since)
        except Exception as exc:
            say(f"reading the facts failed ({type(exc).__name__}: {exc}); again")
            await asyncio.sleep(10)
    return await sources.gather(at, phones, since)
