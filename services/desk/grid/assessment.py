"""The assessment of grid workers (网格员考核): 出勤率, 走访率, 问题解决率, 群众评价. Pure.

The formulas and their one number live in services/desk/policy/grid.yaml; the map's table
says them in Chinese (`GridPolicy.note`). Inputs are what the desk holds: the days each
worker was active, the visits they logged, and the marks of their grid's cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

POLICY_FILE = Path(__file__).resolve().parent.parent / "policy" / "grid.yaml"


@dataclass(frozen=True)
class GridPolicy:
    """How many visits a grid worker is expected to log on a working day."""

    visits_per_day: int

    def note(self) -> str:
        """How each figure is computed, as the map says it."""
        return (
            "出勤率＝有工作记录（走访、巡查上报或办理本网格工单）的天数/本月已过工作日；"
            f"走访率＝走访次数/（本月已过工作日×每日应走访 {self.visits_per_day} 次）；"
            "问题解决率＝按时办结/应办结（本网格承办的工单，就地办结计为按时办结）；"
            "群众评价＝满意/回访接通（本网格承办的工单）。"
            "出勤率、走访率至多 100%；分母为 0 时显示“—”。同一网格的网格员共用网格的办结与评价。"
        )


def parse_policy(data: object) -> GridPolicy:
    """The policy from the YAML document's data; ValueError if it is not one."""
    if not isinstance(data, dict):
        raise ValueError("grid policy: a mapping is required")
    per_day = data.get("visits_per_day")
    if isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 1:
        raise ValueError("grid policy: 'visits_per_day' must be a whole number of at least 1")
    return GridPolicy(per_day)


@cache
def policy() -> GridPolicy:
    """The policy of services/desk/policy/grid.yaml."""
    return parse_policy(yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Worker:
    """A grid worker (网格员): their login, name and grid."""

    username: str
    name: str
    grid_code: str


@dataclass(frozen=True)
class GridCounts:
    """A grid's case counts for the period (as the three rates count them)."""

    resolve_due: int = 0
    resolved_on_time: int = 0
    satisfied: int = 0
    answered: int = 0
    on_spot: int = 0  # 就地办结


@dataclass(frozen=True)
class Assessment:
    """One worker's figures; a rate is None when it has no denominator."""

    worker: Worker
    days_due: int
    days_active: int
    visits: int
    visits_due: int
    grid: GridCounts

    @property
    def attendance(self) -> float | None:
        """出勤率."""
        return min(1.0, self.days_active / self.days_due) if self.days_due else None

    @property
    def visit_rate(self) -> float | None:
        """走访率."""
        return min(1.0, self.visits / self.visits_due) if self.visits_due else None

    @property
    def resolution(self) -> float | None:
        """问题解决率."""
        g = self.grid
        return g.resolved_on_time / g.resolve_due if g.resolve_due else None

    @property
    def satisfaction(self) -> float | None:
        """群众评价."""
        g = self.grid
        return g.satisfied / g.answered if g.answered else None


def assess(
    workers: Iterable[Worker],
    *,
    working_days: Sequence[date],
    active_days: Mapping[str, Iterable[date]],
    visits: Mapping[str, int],
    grids: Mapping[str, GridCounts],
    rules: GridPolicy | None = None,
) -> list[Assessment]:
    """Every worker's figures for a period whose working days so far are `working_days`;
    `active_days` and `visits` by username, `grids` by grid code. Ordered by grid, then
    worker."""
    rules = rules or policy()
    due = len(set(working_days))
    out = [
        Assessment(
            worker=w,
            days_due=due,
            days_active=len(set(active_days.get(w.username, ()))),
            visits=visits.get(w.username, 0),
            visits_due=due * rules.visits_per_day,
            grid=grids.get(w.grid_code, GridCounts()),
        )
        for w in workers
    ]
    return sorted(out, key=lambda a: (a.worker.grid_code, a.worker.username))
