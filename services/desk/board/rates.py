"""The three rates (三率) per unit and the red/black ranking (红黑榜). Pure.

The counting rules and the weights live in services/desk/policy/rates.yaml:
  响应率 = 按时签收 / 应签收, 解决率 = 按时办结 / 应办结, 满意率 = 满意 / 回访接通;
a case not yet due is neither a success nor a failure. 综合得分 is the weighted mean of the
rates a unit has; a unit with no case due is not ranked.
直接答复 (a consultation the 12345 centre answered on the call and closed at intake, never
dispatched) is counted for the centre as a case accepted and resolved on time; it is in
满意率 only when a callback answers for it. A praise (表扬) is forwarded to the unit and closed
without deadlines: it counts in no unit's rates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from services.desk.board.rules import (
    ACCEPT_LATE,
    ACCEPTED,
    ASSIGNED,
    HANDED_UP,
    RESOLVE_LATE,
    RESOLVED,
    SATISFIED,
    TRANSFERRED_AWAY,
    UNSATISFIED,
)

POLICY_FILE = Path(__file__).resolve().parent.parent / "policy" / "rates.yaml"
NAMES = {"response": "响应率", "resolution": "解决率", "satisfaction": "满意率"}


@dataclass(frozen=True)
class RatesPolicy:
    """The weights of 综合得分 and how many units each of 红榜 and 黑榜 names."""

    weights: dict[str, float]
    listed: int
    # How a move counts for the unit the case left (mark -> neutral | late); see rates.yaml.
    moves: dict[str, str] = field(
        default_factory=lambda: {TRANSFERRED_AWAY: "neutral", HANDED_UP: "neutral"}
    )

    def formula(self) -> str:
        """综合得分＝响应率×20%＋解决率×40%＋满意率×40%."""
        parts = "＋".join(f"{NAMES[k]}×{w * 100:g}%" for k, w in self.weights.items())
        return f"综合得分＝{parts}"

    def score_note(self) -> str:
        """How the score is made and the ranking ordered, as a page says it."""
        return (
            f"{self.formula()}；缺项（无应签收、应办结或回访接通）按其余各项的权重折算。"
            "没有到期工单的单位不排名。得分相同时，按时完成（按时签收＋按时办结＋满意）件数多者居前；"
            "再相同时，未按时（超时＋不满意）件数少者居前；仍相同则并列。"
            f"红榜、黑榜各列得分最高、最低的单位，至多 {self.listed} 个且不超过排名单位的一半；"
            "同分单位同进同出，不因排序先后上榜，也不会分列两榜。"
        )


RATES_NOTE = (
    "响应率＝按时签收/应签收；解决率＝按时办结/应办结；满意率＝满意/回访接通。"
    "应签收：已签收或签收时限已过的工单；应办结：已办结或办结时限已过的工单。"
    "未到期的工单既不算按时也不算超时，不计入分子分母；分母为 0 时显示“—”。"
)


def parse_policy(data: object) -> RatesPolicy:
    """The policy from the YAML document's data; ValueError if it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("weights"), dict):
        raise ValueError("rates policy: a mapping with 'weights' is required")
    weights = {str(k): float(v) for k, v in data["weights"].items()}
    if set(weights) != set(NAMES) or any(w < 0 for w in weights.values()):
        raise ValueError(f"rates policy: weights of exactly {', '.join(NAMES)}, none negative")
    if sum(weights.values()) <= 0:
        raise ValueError("rates policy: the weights must not all be zero")
    listed = int(data.get("listed", 3))
    if listed < 1:
        raise ValueError("rates policy: 'listed' must be at least 1")
    return RatesPolicy({k: weights[k] for k in NAMES}, listed, _moves(data.get("moves")))


def _moves(raw: object) -> dict[str, str]:
    moves = {TRANSFERRED_AWAY: "neutral", HANDED_UP: "neutral"}
    if raw is None:
        return moves
    if not isinstance(raw, dict) or not set(raw) <= set(moves):
        raise ValueError(f"rates policy: 'moves' may name {', '.join(moves)}")
    for key, value in raw.items():
        if value not in ("neutral", "late"):
            raise ValueError(f"rates policy: moves.{key} is neutral or late, got {value!r}")
        moves[str(key)] = str(value)
    return moves


@cache
def policy() -> RatesPolicy:
    """The policy of services/desk/policy/rates.yaml."""
    return parse_policy(yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class UnitRates:
    """One unit's counts for a period; a rate is None when nothing was due for it."""

    unit_id: str
    assigned: int
    accept_due: int  # 应签收: accepted, or accept deadline passed
    accepted_on_time: int  # 按时签收
    resolve_due: int  # 应办结: resolved, or resolve deadline passed
    resolved_on_time: int  # 按时办结
    satisfied: int
    answered: int  # 回访接通

    @property
    def response(self) -> float | None:
        """响应率."""
        return self.accepted_on_time / self.accept_due if self.accept_due else None

    @property
    def resolution(self) -> float | None:
        """解决率."""
        return self.resolved_on_time / self.resolve_due if self.resolve_due else None

    @property
    def satisfaction(self) -> float | None:
        """满意率."""
        return self.satisfied / self.answered if self.answered else None

    @property
    def due(self) -> int:
        """Cases due for acceptance or resolution: a unit without any is not ranked."""
        return self.accept_due + self.resolve_due

    @property
    def on_time(self) -> int:
        """Successes: accepted on time, resolved on time, satisfied callbacks."""
        return self.accepted_on_time + self.resolved_on_time + self.satisfied

    @property
    def failed(self) -> int:
        """Failures: deadlines missed and unsatisfied callbacks."""
        return self.due + self.answered - self.on_time

    def score(self, rules: RatesPolicy | None = None) -> float | None:
        """综合得分: the weighted mean of the rates the unit has (None: not ranked)."""
        if not self.due:
            return None
        weights = (rules or policy()).weights
        parts = [
            (weights[name], value)
            for name, value in (
                ("response", self.response),
                ("resolution", self.resolution),
                ("satisfaction", self.satisfaction),
            )
            if value is not None
        ]
        total = sum(w for w, _ in parts)
        return sum(w * v for w, v in parts) / total if total else None


def unit_rates(
    marks: Iterable[tuple[str, str, str]], rules: RatesPolicy | None = None
) -> dict[str, UnitRates]:
    """Rates per unit from (case_no, unit_id, mark) triples of one period."""
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for case_no, unit_id, mark in marks:
        seen[unit_id][mark].add(case_no)
    late_moves = [k for k, v in (rules or policy()).moves.items() if v == "late"]
    for m in seen.values():
        for move in late_moves:
            # The policy counts a case moved away as not resolved in time by the unit left.
            m[RESOLVE_LATE] |= m[move]
    return {
        unit_id: UnitRates(
            unit_id=unit_id,
            assigned=len(m[ASSIGNED]),
            accept_due=len(m[ACCEPTED] | m[ACCEPT_LATE]),
            accepted_on_time=len(m[ACCEPTED] - m[ACCEPT_LATE]),
            resolve_due=len(m[RESOLVED] | m[RESOLVE_LATE]),
            resolved_on_time=len(m[RESOLVED] - m[RESOLVE_LATE]),
            satisfied=len(m[SATISFIED]),
            answered=len(m[SATISFIED] | m[UNSATISFIED]),
        )
        for unit_id, m in seen.items()
    }


@dataclass(frozen=True)
class Place:
    """A ranked unit: its place (1 = best), whether it shares it, and its score."""

    rank: int
    tied: bool
    score: float
    rates: UnitRates


@dataclass(frozen=True)
class Standing:
    """Every ranked unit in order, the 红榜 and 黑榜 (worst first), and the unranked."""

    places: list[Place]
    red: list[Place]
    black: list[Place]
    unranked: list[UnitRates]


def _key(score: float, r: UnitRates) -> tuple[float, int, int]:
    # Rounded so that equal fractions computed in different orders compare equal.
    return (-round(score, 9), -r.on_time, r.failed)


def standing(rates: Iterable[UnitRates], rules: RatesPolicy | None = None) -> Standing:
    """Rank the units that had cases due; name the best and the worst (see rates.yaml)."""
    rules = rules or policy()
    scored: list[tuple[float, UnitRates]] = []
    unranked: list[UnitRates] = []
    for r in rates:
        s = r.score(rules)
        if s is None:
            unranked.append(r)
        else:
            scored.append((s, r))
    scored.sort(key=lambda sr: (*_key(*sr), sr[1].unit_id))
    keys = [_key(s, r) for s, r in scored]
    places = []
    for i, (s, r) in enumerate(scored):
        rank = keys.index(keys[i]) + 1
        tied = keys.count(keys[i]) > 1
        places.append(Place(rank, tied, s, r))
    red, black = _lists(places, rules.listed)
    return Standing(places, red, black, sorted(unranked, key=lambda r: r.unit_id))


def _lists(places: list[Place], listed: int) -> tuple[list[Place], list[Place]]:
    """红榜 from the top, 黑榜 from the bottom, each at most `listed` units and half of those
    ranked; a list takes units of one score all together or not at all, so a tie-break never
    puts one of two equal scores on a list, and the best or worst score is never on both."""
    k = min(listed, len(places) // 2)
    groups: list[list[Place]] = []
    for p in places:
        if groups and round(groups[-1][0].score, 9) == round(p.score, 9):
            groups[-1].append(p)
        else:
            groups.append([p])

    def take(ordered: list[list[Place]]) -> list[Place]:
        out: list[Place] = []
        for group in ordered[:-1]:  # the other end's score is never on this list
            if len(out) + len(group) > k:
                break
            out += group
        return out

    red = take(groups)
    black = take([list(reversed(g)) for g in reversed(groups)])
    return red, black


def ranking(
    rates: Iterable[UnitRates], rules: RatesPolicy | None = None
) -> tuple[list[Place], list[Place]]:
    """红榜 (best first) and 黑榜 (worst first), never the same unit or score on both."""
    s = standing(rates, rules)
    return s.red, s.black
