"""The three rates (三率) per unit and the monthly red/black ranking (红黑榜). Pure.

响应率 = cases accepted before their accept deadline / cases assigned;
解决率 = cases resolved (办结) / cases assigned;
满意率 = satisfied callbacks / callbacks with an answer (unanswered calls do not count).
直接答复 (a consultation the 12345 centre answered on the call and closed at intake, never
dispatched) is counted for the centre: in the denominator of 响应率 and 解决率 as a case
assigned, and in both numerators, accepted on time and resolved then and there; it is in
满意率 only when a callback answers for it. A praise (表扬) is forwarded to the unit and closed
without deadlines: it counts in no unit's rates.
The ranking score weighs them 20 / 40 / 40; a unit without callbacks is scored on the
first two alone, so a new unit is neither praised nor blamed for silence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from services.desk.board.rules import (
    ACCEPT_LATE,
    ACCEPTED,
    ASSIGNED,
    RESOLVED,
    SATISFIED,
    UNSATISFIED,
)

WEIGHTS = (0.2, 0.4, 0.4)
RANKED = 3


@dataclass(frozen=True)
class UnitRates:
    """One unit's counts and rates for a period (rates are None without a denominator)."""

    unit_id: str
    assigned: int
    accepted_on_time: int
    resolved: int
    satisfied: int
    answered: int

    @property
    def response(self) -> float | None:
        """响应率."""
        return self.accepted_on_time / self.assigned if self.assigned else None

    @property
    def resolution(self) -> float | None:
        """解决率."""
        return self.resolved / self.assigned if self.assigned else None

    @property
    def satisfaction(self) -> float | None:
        """满意率."""
        return self.satisfied / self.answered if self.answered else None

    @property
    def score(self) -> float | None:
        """Weighted score for the ranking."""
        if self.response is None or self.resolution is None:
            return None
        parts = [(WEIGHTS[0], self.response), (WEIGHTS[1], self.resolution)]
        if self.satisfaction is not None:
            parts.append((WEIGHTS[2], self.satisfaction))
        return sum(w * v for w, v in parts) / sum(w for w, _ in parts)


def unit_rates(marks: Iterable[tuple[str, str, str]]) -> dict[str, UnitRates]:
    """Rates per unit from (case_no, unit_id, mark) triples of one period."""
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for case_no, unit_id, mark in marks:
        seen[unit_id][mark].add(case_no)
    out = {}
    for unit_id, m in seen.items():
        out[unit_id] = UnitRates(
            unit_id=unit_id,
            assigned=len(m[ASSIGNED]),
            accepted_on_time=len(m[ACCEPTED] - m[ACCEPT_LATE]),
            resolved=len(m[RESOLVED]),
            satisfied=len(m[SATISFIED]),
            answered=len(m[SATISFIED] | m[UNSATISFIED]),
        )
    return out


def ranking(rates: Iterable[UnitRates]) -> tuple[list[UnitRates], list[UnitRates]]:
    """红榜 (best scores) and 黑榜 (worst), never the same unit on both."""
    scored = sorted(
        (r for r in rates if r.score is not None),
        key=lambda r: (-(r.score or 0.0), -r.assigned, r.unit_id),
    )
    red = scored[:RANKED]
    black = [r for r in reversed(scored) if r not in red][:RANKED]
    return red, black
