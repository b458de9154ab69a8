"""One step of the ramp: offer a rate, then read what came of it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.progress import Progress, TaskID

from bench.harness.load import Load, Posted, Tracker
from bench.harness.procs import ProcSampler, Usage
from bench.harness.statements import Statements
from bench.harness.stats import pct

OK = (200, 201)


@dataclass
class Step:
    """What one offered rate came to."""

    offered_per_s: float
    seconds: float
    posted: int
    accepted_per_s: float
    errors: int
    post_p50_ms: float
    post_p99_ms: float
    e2e_p50_s: float
    e2e_p99_s: float
    backlog_at_end: int
    drain_s: float | None
    lost: int
    manual: int
    refused: int = 0  # 503: intake had no place for the write (nothing stored)
    hops_p50_s: dict[str, float] = field(default_factory=dict)  # where the time went
    usage: dict[str, Usage] = field(default_factory=dict)
    statements: dict[str, Any] = field(default_factory=dict)

    def sustained(self) -> bool:
        """Kept up: nearly all accepted, p99 within 2 s, drained within 5 s, none lost."""
        return (
            self.accepted_per_s >= 0.97 * self.offered_per_s
            and self.errors == 0
            and self.lost == 0
            and self.e2e_p99_s <= 2.0
            and self.drain_s is not None
            and self.drain_s <= 5.0
        )

    def row(self) -> dict[str, Any]:
        out = asdict(self)
        out["usage"] = {k: asdict(v) for k, v in self.usage.items()}
        out["sustained"] = self.sustained()
        return out


def _hops(tracker: Tracker, acked: list[Posted]) -> dict[str, float]:
    """p50 of each leg of the step's cases (Tracker.hops)."""
    legs: dict[str, list[float]] = {}
    for p in acked:
        for leg, seconds in tracker.hops(p.case_no or "", p.acked or p.sent).items():
            legs.setdefault(leg, []).append(seconds)
    return {leg: round(pct(values, 0.5), 3) for leg, values in legs.items()}


async def step(
    load: Load,
    tracker: Tracker,
    sampler: ProcSampler,
    rate: float,
    seconds: float,
    *,
    drain_timeout: float,
    progress: Progress,
    task: TaskID,
    statements: Statements | None = None,
) -> Step:
    """Offer `rate` cases/s for `seconds`, then wait until every accepted case is through."""
    if statements is not None:
        await statements.reset()
    sampler.start()
    t0 = time.time()
    posted: list[Posted] = await load.run(
        rate, seconds, tick=lambda f: progress.update(task, completed=f * 50)
    )
    t_end = time.time()
    await load.settle(timeout=120)
    acked = [p for p in posted if p.status in OK and p.case_no]
    backlog = 0
    for p in acked:
        done = tracker.through(p.case_no or "")
        if p.acked is not None and p.acked <= t_end and (done is None or done > t_end):
            backlog += 1
    waited_from = time.monotonic()
    drain: float | None = None
    while time.monotonic() - waited_from < drain_timeout:
        if all(tracker.through(p.case_no or "") is not None for p in acked):
            last = (
                max((tracker.through(p.case_no or "") or t_end) for p in acked) if acked else t_end
            )
            drain = max(0.0, last - t_end)
            break
        remaining = sum(tracker.through(p.case_no or "") is None for p in acked)
        progress.update(
            task,
            completed=50 + 50 * (1 - remaining / max(len(acked), 1)),
            description=f"{rate:g}/s: {remaining} cases still on their way",
        )
        await asyncio.sleep(0.5)
    usage = sampler.stop()
    sql = await statements.read(len(acked)) if statements is not None else {}
    progress.update(task, completed=100)
    lat = [p.acked - p.sent for p in posted if p.acked is not None]
    e2e = []
    lost = 0
    for p in acked:
        done = tracker.through(p.case_no or "")
        if done is None:
            lost += 1
        else:
            e2e.append(done - p.sent)
    last_ack = max((p.acked or t_end) for p in posted)
    return Step(
        offered_per_s=rate,
        seconds=seconds,
        posted=len(posted),
        accepted_per_s=round(len(acked) / max(seconds, last_ack - t0), 1),
        errors=len(posted) - len(acked),
        post_p50_ms=round(pct(lat, 0.5) * 1000, 1),
        post_p99_ms=round(pct(lat, 0.99) * 1000, 1),
        e2e_p50_s=round(pct(e2e, 0.5), 3),
        e2e_p99_s=round(pct(e2e, 0.99), 3),
        backlog_at_end=backlog,
        drain_s=None if drain is None else round(drain, 1),
        lost=lost,
        manual=sum(bool(tracker.manual.get(p.case_no or "")) for p in acked),
        refused=sum(p.status == 503 for p in posted),
        hops_p50_s=_hops(tracker, acked),
        usage=usage,
        statements=sql,
    )
