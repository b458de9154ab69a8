"""Escalation at scale: N open drill cases whose accept deadlines fall due in one window.

The cases enter as case.dispatched events (simple, village tier) whose dispatch times are
set so that their accept deadlines are spread evenly over `window` seconds starting `lead`
seconds from now; sla's consumer starts their workflows meanwhile. sla counts a deadline from
the dispatch time only when that time has passed (a dispatch dated ahead counts from the
workflow's start), so the run uses the drill policy with an accept window of an hour for
simple cases (`burst_policy`): every dispatch time lies in the past, and the deadlines fall
where they were placed, not 20 s after each start.

The lag of a case is the publish time of its accept breach on case.sla minus its deadline.
A case whose workflow started only after its deadline (the starts fell behind the lead)
breaches at once when it starts: its lag is the start's, not the announcement's, so such
cases are counted apart and the lag is also given over the cases that were open at their
deadline.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from aiokafka import AIOKafkaConsumer

from bench.harness.messages import ROOT
from bench.harness.procs import stack_pids
from bench.harness.stats import pct
from services.common import events
from services.common.events import Topic, decode, to_datetime
from services.common.kafka import headers, start_producer
from services.common.proto_gen.minhu.events.v1 import case_pb2

# Simple cases' accept window under the burst policy; yellow at half of it. A run's lead and
# window must end before the yellow: the cases start yellow and only the breaches burst.
ACCEPT = timedelta(hours=1)
YELLOW_RATIO = 0.5
DRILL = ROOT / "deploy" / "sla" / "drill.yaml"  # the policy the burst policy is made from
LADDER = (
    ("village", "U-D01-T01-V01", "柳岸社区居民委员会"),
    ("township", "U-D01-T01", "湖滨街道办事处"),
    ("district", "U-D01-ZJJ", "明湖区住房和城乡建设局"),
    ("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
)


@dataclass
class EscalationResult:
    cases: int
    window_s: float
    breaches: int
    p50_s: float
    p99_s: float
    max_s: float
    started_in_s: float
    # Cases whose workflow started after their deadline, and the lag over the others.
    late_starts: int
    open_p50_s: float
    open_p99_s: float

    def row(self) -> dict[str, float | int]:
        return dict(self.__dict__)

    @classmethod
    def of(
        cls, n: int, window: float, lags: dict[str, float], late: set[str], last_start: float
    ) -> EscalationResult:
        """The figures of a run: every case's lag, and the lag over those not started late."""
        values = list(lags.values())
        on_time = [lag for case_no, lag in lags.items() if case_no not in late]
        return cls(
            cases=n,
            window_s=window,
            breaches=len(values),
            p50_s=round(pct(values, 0.5), 2),
            p99_s=round(pct(values, 0.99), 2),
            max_s=round(max(values), 2) if values else 0.0,
            started_in_s=round(last_start, 1),
            late_starts=len(late & lags.keys()),
            open_p50_s=round(pct(on_time, 0.5), 2),
            open_p99_s=round(pct(on_time, 0.99), 2),
        )


def burst_policy(drill: Path, out: Path) -> Path:
    """The drill policy with simple cases accepted within ACCEPT (resolved within twice that),
    written to `out`: the policy sla runs with during the escalation run."""
    policy = yaml.safe_load(drill.read_text(encoding="utf-8"))
    seconds = int(ACCEPT.total_seconds())
    policy["difficulties"]["simple"] = {
        **policy["difficulties"]["simple"],
        "accept": {"seconds": seconds},
        "resolve": {"seconds": 2 * seconds},
    }
    policy["yellow_ratio"] = YELLOW_RATIO
    calendar = policy.get("calendar") or {}
    if "holiday_file" in calendar:  # relative to the drill policy's folder, not to `out`'s
        calendar["holiday_file"] = str((drill.parent / calendar["holiday_file"]).resolve())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def restart_sla_with_burst_policy(profile: str) -> Path:
    """Write the burst policy under the profile's folder and restart sla's processes with it
    (the API, whose consumer starts the workflows, and every worker); the policy's path."""
    var = ROOT / "var" / profile
    policy = burst_policy(DRILL, var / "escalation-policy.yaml")
    names = [name for name in stack_pids(var / "run") if name.startswith("sla")]
    stack = [sys.executable, str(ROOT / "deploy" / "stack.py"), "--profile", profile]
    subprocess.run(
        [*stack, "restart", *names],
        check=True,
        cwd=ROOT,
        env={**os.environ, "MINHU_SLA_POLICY": str(policy)},
        stdout=subprocess.DEVNULL,
    )
    return policy


def dispatch_times(n: int, now: datetime, lead: float, window: float) -> list[datetime]:
    """When each of n cases is said to be dispatched: in the past, so that their accept
    deadlines (ACCEPT later) are spread over `window` seconds from `lead` seconds after now."""
    limit = ACCEPT.total_seconds() * YELLOW_RATIO
    if lead + window >= limit:
        raise ValueError(f"lead + window must stay under {limit:.0f} s (got {lead + window:.0f})")
    first_due = now + timedelta(seconds=lead)
    return [first_due + timedelta(seconds=window * i / n) - ACCEPT for i in range(n)]


def dispatched(case_no: str, at: datetime) -> events.Envelope:
    """A dispatch of a lamp case to 柳岸社区, as dispatch would announce it at `at`."""
    payload = case_pb2.CaseDispatched(
        case_no=case_no,
        topic="城乡建设",
        difficulty="simple",
        tier="village",
        unit_id=LADDER[0][1],
        unit_name=LADDER[0][2],
        confidence=0.9,
        explanation="压测演练工单",
        dispatched_at=events.timestamp(at),
        ladder=[case_pb2.LadderStep(tier=t, unit_id=u, unit_name=n) for t, u, n in LADDER],
    )
    return events.envelope(
        events.CASE_DISPATCHED, payload, subject=case_no, source="minhu/bench", time=at
    )


async def run(
    bootstrap: str,
    n: int,
    *,
    window: float = 60.0,
    lead: float | None = None,
    start_rate: float = 8.0,
    timeout: float = 600.0,  # after the window, for the last breaches to be announced
    tick: Callable[[float], None] | None = None,
) -> EscalationResult:
    """Announce n drill dispatches, then collect each case's first accept breach."""
    # Every workflow should be running before the first deadline falls due (`start_rate`
    # starts a second assumed), so the lag measured is the announcements', not the starts'.
    lead = lead if lead is not None else max(30.0, n / start_rate)
    times = dispatch_times(n, datetime.now(UTC), lead, window)
    prefix = f"2999{int(time.time()) % 10**4:04d}"
    cases = [f"{prefix}{i:06d}" for i in range(n)]
    consumer = AIOKafkaConsumer(
        Topic.SLA,
        Topic.DISPATCHED,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="latest",
    )
    await consumer.start()
    await consumer.seek_to_end()
    for tp in consumer.assignment():
        await consumer.position(tp)
    producer = await start_producer(bootstrap, client_id="minhu-bench-drill")
    t0 = time.monotonic()
    try:
        futures = []
        for case_no, at in zip(cases, times, strict=True):
            env = dispatched(case_no, at)
            futures.append(
                await producer.send(
                    Topic.DISPATCHED,
                    value=env.SerializeToString(deterministic=True),
                    key=case_no.encode(),
                    headers=headers(env),
                )
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    wanted = set(cases)
    lags: dict[str, float] = {}
    started: dict[str, datetime] = {}
    late: set[str] = set()
    last_start = 0.0
    deadline = time.monotonic() + lead + window + timeout
    try:
        while len(lags) < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                for record in records:
                    if record.topic != Topic.SLA:
                        continue
                    env, p = decode(record.value)
                    if env.subject not in wanted:
                        continue
                    kind = p.kind  # type: ignore[attr-defined]
                    if kind == "deadlines_set" and env.subject not in started:
                        started[env.subject] = to_datetime(env.time)
                        last_start = time.monotonic() - t0
                    elif (
                        kind == "breached"
                        and p.deadline == "accept"  # type: ignore[attr-defined]
                        and env.subject not in lags
                    ):
                        due = to_datetime(p.due)  # type: ignore[attr-defined]
                        lags[env.subject] = (to_datetime(env.time) - due).total_seconds()
                        began = started.get(env.subject)
                        if began is not None and began >= due:
                            late.add(env.subject)
            if tick is not None:
                tick(len(lags) / n)
    finally:
        await consumer.stop()
    return EscalationResult.of(n, window, lags, late, last_start)
