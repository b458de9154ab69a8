"""Eighteen cases in 湖滨街道 whose three rates, scores and places are counted by hand.

The four units of the township (its three communities and its own centre) get only these
cases; `population()` adds them to a seeded volume with every other case of the township's
units left out, so the township supervisor's map shows exactly the figures below (a stack
test also drops this month's marks other tests left on those units: see
tests/browser/test_map_rates.py).

Every story is told within the last hour (all in the current local month), so its marks
count for this month's rates. What each kind of case counts for (rates.yaml):
  dispatched, green   assigned only: not due, counts for nothing
  dispatched, red     accept deadline passed, not accepted: 应签收, not 按时签收
  accepted, green     accepted on time: 应签收 and 按时签收; resolution not yet due
  accepted, red       accepted on time, resolve deadline passed: 应办结, not 按时办结
  resolved            accepted and resolved on time: 应签收/按时签收, 应办结/按时办结
  closed, satisfied   as resolved, plus a callback answered 满意
  closed, unsatisfied as resolved, plus a callback answered 不满意 (reopened, then 督办销号)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.desk.reports.figures import month_of
from tests.seeding import SeedCase, volume

TOWNSHIP = "D01-T01"
A, B, C, T = "U-D01-T01-V01", "U-D01-T01-V02", "U-D01-T01-V03", "U-D01-T01"
UNITS = (A, B, C, T)
# 14 digits: 20257 + nine more, a range no other seeded population uses (volume() numbers
# from 2025000…, tests/e2e/test_seeding.py from 20259… and 20258…).
PREFIX = "20257"


@dataclass(frozen=True)
class Expected:
    """One unit's figures as a page shows them, counted by hand."""

    assigned: int
    response: str  # rate, 按时签收 / 应签收
    response_counted: str
    resolution: str
    resolution_counted: str
    satisfaction: str
    satisfaction_counted: str
    score: str
    place: str


# Hand count (weights 20 / 40 / 40, a rate without a denominator left out):
# A  6 assigned; 应签收 a1-a5 = 5, all on time; 应办结 a1-a4 = 4, all on time;
#    callbacks a2 a3 满意, a4 不满意: 2 / 3.
#    score 0.2×1 + 0.4×1 + 0.4×2/3 = 0.8667 → 86.7 %, place 1.
# B  5 assigned; 应签收 b1-b4 = 4, on time b2 b3 b4 = 3 (b1 late); 应办结 b2 b3 b4 = 3,
#    on time b2 b3 = 2 (b4 late); callback b3 满意: 1 / 1.
#    score 0.2×3/4 + 0.4×2/3 + 0.4×1 = 0.15 + 0.2667 + 0.4 = 0.8167 → 81.7 %, place 2.
# C  5 assigned; 应签收 c1-c5 = 5, on time c3 c4 c5 = 3 (c1 c2 late); 应办结 c3 c4 c5 = 3,
#    on time c4 c5 = 2 (c3 late); callback c4 不满意: 0 / 1.
#    score 0.2×3/5 + 0.4×2/3 + 0.4×0 = 0.12 + 0.2667 = 0.3867 → 38.7 %, place 3.
# T  2 assigned, both green and not yet due: no rate, no score, not ranked.
# Three units are ranked: each list takes at most half of them (one unit):
# 红榜 A (86.7 %), 黑榜 C (38.7 %); B is on neither.
EXPECTED = {
    A: Expected(
        6, "100.0%", "按时签收 5 / 应签收 5", "100.0%", "按时办结 4 / 应办结 4",
        "66.7%", "满意 2 / 回访接通 3", "86.7%", "第 1 名",
    ),
    B: Expected(
        5, "75.0%", "按时签收 3 / 应签收 4", "66.7%", "按时办结 2 / 应办结 3",
        "100.0%", "满意 1 / 回访接通 1", "81.7%", "第 2 名",
    ),
    C: Expected(
        5, "60.0%", "按时签收 3 / 应签收 5", "66.7%", "按时办结 2 / 应办结 3",
        "0.0%", "满意 0 / 回访接通 1", "38.7%", "第 3 名",
    ),
    T: Expected(
        2, "—", "按时签收 0 / 应签收 0", "—", "按时办结 0 / 应办结 0",
        "—", "满意 0 / 回访接通 0", "—", "不排名（无到期工单）",
    ),
}  # fmt: skip
RED, BLACK = [A], [C]

# (unit, state, light, satisfaction) in the order the cases are received.
STORIES: tuple[tuple[str, str, str, bool | None], ...] = (
    (A, "resolved", "green", None),  # a1
    (A, "closed", "green", True),  # a2
    (A, "closed", "green", True),  # a3
    (A, "closed", "green", False),  # a4
    (A, "accepted", "green", None),  # a5
    (A, "dispatched", "green", None),  # a6
    (B, "dispatched", "red", None),  # b1
    (B, "resolved", "green", None),  # b2
    (B, "closed", "green", True),  # b3
    (B, "accepted", "red", None),  # b4
    (B, "dispatched", "green", None),  # b5
    (C, "dispatched", "red", None),  # c1
    (C, "dispatched", "red", None),  # c2
    (C, "accepted", "red", None),  # c3
    (C, "closed", "green", False),  # c4
    (C, "resolved", "green", None),  # c5
    (T, "dispatched", "green", None),  # t1
    (T, "dispatched", "green", None),  # t2
)


def cases(now: datetime | None = None) -> list[SeedCase]:
    """The fixture's cases, their stories ending before `now` and within its month."""
    now = now or datetime.now(UTC)
    start = max(now - timedelta(minutes=50), month_of(now).start + timedelta(minutes=1))
    minute = timedelta(minutes=1)
    out = []
    for i, (unit, state, light, satisfied) in enumerate(STORIES):
        received = start + i * minute
        dispatched = received + minute  # as tests.seeding tells every story
        accepted = resolved = closed = None
        accept_due = dispatched + timedelta(hours=2)
        resolve_due = None
        if state == "dispatched" and light == "red":
            accept_due = dispatched + 5 * minute
        if state in ("accepted", "resolved", "closed"):
            accepted = dispatched + 2 * minute
            resolve_due = accepted + timedelta(days=5)
            if light == "red":
                resolve_due = accepted + 5 * minute
        if state in ("resolved", "closed"):
            resolved = accepted + 3 * minute  # type: ignore[operator]
        if state == "closed":
            closed = resolved + 2 * minute  # type: ignore[operator]
        out.append(
            SeedCase(
                case_no=f"{PREFIX}{i + 1:09d}",
                unit_id=unit,
                topic="城乡建设",
                state=state,
                received_at=received,
                accepted_at=accepted,
                resolved_at=resolved,
                closed_at=closed,
                accept_due=accept_due,
                resolve_due=resolve_due,
                light=light,
                callback=satisfied is not None,
                satisfaction=satisfied,
            )
        )
    return out


def population(n: int = 2000, now: datetime | None = None) -> Sequence[SeedCase]:
    """At least `n` cases: a seeded volume without the township's units, plus the fixture."""
    fixture = cases(now)
    others = [c for c in volume(n + n // 2, now=now) if c.unit_id not in UNITS]
    return [*others[: max(n - len(fixture), 0)], *fixture]
