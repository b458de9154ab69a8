"""The figures of a report, counted from the board's marks and cases of one period. Pure.

Per unit, and rolled up per township and district:
  派单 assigned, 应签收 due for acceptance, 按时签收 accepted on time, 应办结 due for
  resolution, 按时办结 resolved on time, 办结 resolved, 销号 closed, 回访 answered
  callbacks, 满意 satisfied, 超时 overdue (a deadline missed), 升级 escalated away,
  退单 bounced, 重办 reopened; and the rates 响应率, 解决率, 满意率 as counted by the rules
  of services/desk/policy/rates.yaml (services/desk/board/rates.py), and 销号率 = closed /
  assigned (a praise forwarded and closed by dispatch is no unit's close-out).
Handling time is received → 办结, in hours, for cases resolved within the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.desk.board.rates import Place, UnitRates, ranking, unit_rates
from services.desk.board.rules import (
    ACCEPT_LATE,
    BOUNCED,
    ESCALATED,
    RESOLVE_LATE,
    RESOLVED,
    UNSATISFIED,
)

LOCAL = ZoneInfo("Asia/Shanghai")
PERIODS = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "custom": "自定义"}


@dataclass(frozen=True)
class Period:
    """[start, end) in local time, with its Chinese label."""

    kind: str
    start: datetime
    end: datetime
    label: str

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return period(self.kind, (self.start - timedelta(days=1)).date())


def _local(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=LOCAL)


def period(kind: str, day: date, until: date | None = None) -> Period:
    """The period of a kind holding `day` (custom: from `day` to `until`, both included)."""
    if kind == "day":
        return Period(kind, _local(day), _local(day + timedelta(days=1)), f"{day:%Y年%m月%d日}")
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        end = monday + timedelta(days=7)
        return Period(kind, _local(monday), _local(end), f"{monday:%Y年%m月%d日}起一周")
    if kind == "month":
        first = day.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, _local(first), _local(nxt), f"{first:%Y年%m月}")
    if kind == "quarter":
        q = (day.month - 1) // 3
        first = date(day.year, 3 * q + 1, 1)
        nxt = date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
        return Period(kind, _local(first), _local(nxt), f"{day.year}年第{q + 1}季度")
    if kind == "custom":
        last = until or day
        if last < day:
            raise ValueError("结束日期不能早于开始日期")
        label = f"{day:%Y年%m月%d日}至{last:%Y年%m月%d日}"
        return Period(kind, _local(day), _local(last + timedelta(days=1)), label)
    raise ValueError(f"未知的统计周期：{kind}")


def month_of(now: datetime) -> Period:
    """The local calendar month an instant falls in."""
    return period("month", now.astimezone(LOCAL).date())


@dataclass
class Counts:
    """One unit's (or area's) counts for a period."""

    assigned: int = 0
    accept_due: int = 0
    accepted_on_time: int = 0
    resolve_due: int = 0
    resolved_on_time: int = 0
    resolved: int = 0
    closed: int = 0
    answered: int = 0
    satisfied: int = 0
    overdue: int = 0
    escalated: int = 0
    bounced: int = 0
    reopened: int = 0

    def add(self, other: Counts) -> None:
        """Add another's counts to these."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _rate(num: int, den: int) -> float | None:
        return num / den if den else None

    @property
    def response(self) -> float | None:
        """响应率."""
        return self._rate(self.accepted_on_time, self.accept_due)

    @property
    def resolution(self) -> float | None:
        """解决率."""
        return self._rate(self.resolved_on_time, self.resolve_due)

    @property
    def satisfaction(self) -> float | None:
        """满意率."""
        return self._rate(self.satisfied, self.answered)

    @property
    def close_out(self) -> float | None:
        """销号率."""
        return self._rate(self.closed, self.assigned)


@dataclass(frozen=True)
class Handling:
    """How long cases resolved within the period took, received → 办结, in hours."""

    resolved: int = 0
    mean_hours: float | None = None
    p90_hours: float | None = None


def handling_of(hours: Iterable[float]) -> Handling:
    """Count, mean and 90th percentile (nearest rank) of handling times."""
    h = sorted(hours)
    if not h:
        return Handling()
    return Handling(len(h), sum(h) / len(h), h[max(0, -(-9 * len(h) // 10) - 1)])


@dataclass
class Report:
    """Everything a period's report shows."""

    period: Period
    units: dict[str, Counts]
    townships: dict[str, Counts]
    districts: dict[str, Counts]
    red: list[Place]
    black: list[Place]
    by_topic_area: dict[tuple[str, str], int]
    by_day: dict[str, int]
    handling: Handling = field(default_factory=Handling)
    # Cases received by request type ("" for cases older than types).
    by_type: dict[str, int] = field(default_factory=dict)


def unit_counts(
    marks: Iterable[tuple[str, str, str]], closed: Iterable[tuple[str, str]]
) -> dict[str, Counts]:
    """Counts per unit from (case_no, unit_id, mark) and (case_no, unit_id) of close-outs.

    The rule the database's own counting (reports/queries.py) follows, row for row.
    """
    marks = list(marks)
    rates = unit_rates(marks)
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for case_no, unit_id, mark in marks:
        seen[unit_id][mark].add(case_no)
    out: dict[str, Counts] = {}
    for unit_id, r in rates.items():
        m = seen[unit_id]
        out[unit_id] = Counts(
            assigned=r.assigned,
            accept_due=r.accept_due,
            accepted_on_time=r.accepted_on_time,
            resolve_due=r.resolve_due,
            resolved_on_time=r.resolved_on_time,
            resolved=len(m[RESOLVED]),
            answered=r.answered,
            satisfied=r.satisfied,
            overdue=len(m[ACCEPT_LATE] | m[RESOLVE_LATE]),
            escalated=len(m[ESCALATED]),
            bounced=len(m[BOUNCED]),
            reopened=len(m[UNSATISFIED]),
        )
    for _case_no, unit_id in closed:
        out.setdefault(unit_id, Counts()).closed += 1
    return out


def roll_up(units: dict[str, Counts], area_of: Callable[[str], str]) -> dict[str, Counts]:
    """Counts summed per area (the area each unit lies in; units outside any are left out)."""
    out: dict[str, Counts] = defaultdict(Counts)
    for unit_id, counts in units.items():
        area = area_of(unit_id)
        if area:
            out[area].add(counts)
    return dict(out)


def rates_of(units: dict[str, Counts]) -> list[UnitRates]:
    """The three rates of each unit's counts (a unit with nothing due has no score)."""
    return [
        UnitRates(
            unit_id=u,
            assigned=c.assigned,
            accept_due=c.accept_due,
            accepted_on_time=c.accepted_on_time,
            resolve_due=c.resolve_due,
            resolved_on_time=c.resolved_on_time,
            satisfied=c.satisfied,
            answered=c.answered,
        )
        for u, c in units.items()
    ]


def build(
    p: Period,
    *,
    units: dict[str, Counts],
    by_topic_area: dict[tuple[str, str], int],
    by_day: dict[str, int],
    handling: Handling,
    township_of: Callable[[str], str],
    district_of: Callable[[str], str],
    unranked: frozenset[str] = frozenset(),
    by_type: dict[str, int] | None = None,
) -> Report:
    """The report of a period from its units' counts, breakdowns and handling times.

    Units in `unranked` (the 12345 centre, counted for its direct answers) are in the totals
    but not on the 红黑榜.
    """
    red, black = ranking(rates_of({u: c for u, c in units.items() if u not in unranked}))
    return Report(
        period=p,
        units=units,
        townships=roll_up(units, township_of),
        districts=roll_up(units, district_of),
        red=red,
        black=black,
        by_topic_area=by_topic_area,
        by_day=dict(sorted(by_day.items())),
        handling=handling,
        by_type=dict(by_type or {}),
    )
