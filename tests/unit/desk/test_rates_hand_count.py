"""The three rates, scores and places of a hand-counted fixture (tests/rates_fixture.py),
folded from the very event stories the seeded stack records, and the ranking rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common import pii
from services.common.jurisdiction import Directory
from services.desk.board.rates import (
    RatesPolicy,
    UnitRates,
    parse_policy,
    policy,
    standing,
    unit_rates,
)
from services.desk.board.rules import fold
from services.desk.ui.html import pct
from services.desk.ui.rates import place_text
from tests import rates_fixture as fx
from tests.seeding import story

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def _marks() -> list[tuple[str, str, str]]:
    """Fold every event of every fixture case as the board does, keeping the marks."""
    directory = Directory.from_file()
    sealer = pii.Sealer(pii.local_keys(), pii.local_index_key())
    out = []
    for case in fx.cases(NOW):
        unit: str | None = None
        for event_type, _at, fields in story(case, directory, sealer):
            change = fold(event_type, fields, unit)
            unit = change.values.get("unit_id", unit) or unit
            out += [(case.case_no, u, mark) for u, mark in change.marks]
    return out


def _counted(num: int, num_label: str, den: int, den_label: str) -> str:
    return f"{num_label} {num} / {den_label} {den}"


def test_every_rate_score_and_place_of_the_fixture_is_the_hand_count() -> None:
    rates = unit_rates(_marks())
    ranked = standing(rates[u] for u in fx.UNITS)
    places = {p.rates.unit_id: p for p in ranked.places}
    for unit, want in fx.EXPECTED.items():
        r, p = rates[unit], places.get(unit)
        got = fx.Expected(
            r.assigned,
            pct(r.response),
            _counted(r.accepted_on_time, "按时签收", r.accept_due, "应签收"),
            pct(r.resolution),
            _counted(r.resolved_on_time, "按时办结", r.resolve_due, "应办结"),
            pct(r.satisfaction),
            _counted(r.satisfied, "满意", r.answered, "回访接通"),
            pct(p.score if p else None),
            place_text(p),
        )
        assert got == want, unit
    assert [p.rates.unit_id for p in ranked.red] == fx.RED
    assert [p.rates.unit_id for p in ranked.black] == fx.BLACK
    assert [r.unit_id for r in ranked.unranked] == [fx.T]


def _unit(uid: str, accept: tuple[int, int], resolve: tuple[int, int] = (0, 0)) -> UnitRates:
    return UnitRates(uid, accept[1], accept[1], accept[0], resolve[1], resolve[0], 0, 0)


def test_a_case_not_yet_due_counts_for_nothing() -> None:
    marks = [("1", "U", "assigned"), ("2", "U", "assigned"), ("2", "U", "accepted")]
    r = unit_rates(marks)["U"]
    assert (r.accept_due, r.response, r.resolve_due, r.resolution) == (1, 1.0, 0, None)
    assert r.score() == 1.0  # scored on 响应率 alone: the other rates have no denominator
    assert unit_rates([("1", "V", "assigned")])["V"].score() is None


def test_equal_scores_are_ordered_by_work_done_on_time_then_by_fewer_failures() -> None:
    small, large = _unit("S", (1, 2)), _unit("L", (3, 6))  # both 50 %
    worse = UnitRates("W", 6, 6, 3, 1, 0, 0, 0)  # 响应 50 %, 解决 0 %
    ranked = standing([small, large, worse])
    assert [(p.rates.unit_id, p.rank, p.tied) for p in ranked.places] == [
        ("L", 1, False),
        ("S", 2, False),
        ("W", 3, False),
    ]
    # 50 % over 6 beats 50 % over 2 on the tie-break, but a list never splits equal scores:
    # the 红榜 (one unit, half of three) cannot take both, so it takes neither.
    assert ranked.red == [] and [p.rates.unit_id for p in ranked.black] == ["W"]
    twins = standing([_unit("X", (1, 2)), _unit("Y", (1, 2)), _unit("Z", (0, 2))])
    assert [(p.rank, p.tied) for p in twins.places] == [(1, True), (1, True), (3, False)]


def test_units_all_scoring_the_same_are_on_neither_list() -> None:
    zeros = standing(_unit(f"U{i}", (0, 3)) for i in range(6))
    assert zeros.red == [] and zeros.black == [] and len(zeros.places) == 6
    mixed = standing([_unit("G", (2, 2)), *(_unit(f"Z{i}", (0, 2)) for i in range(5))])
    # Five units at 0 %: the 黑榜 (at most 3) cannot take them all, so it names none of them.
    assert [p.rates.unit_id for p in mixed.red] == ["G"] and mixed.black == []


def test_lists_take_at_most_the_policy_count_and_half_of_the_ranked() -> None:
    many = [_unit(f"U{i:02d}", (i, 10)) for i in range(10)]
    ranked = standing(many)
    assert [p.rates.unit_id for p in ranked.red] == ["U09", "U08", "U07"]
    assert [p.rates.unit_id for p in ranked.black] == ["U00", "U01", "U02"]
    two = standing(many, RatesPolicy(policy().weights, 2))
    assert len(two.red) == len(two.black) == 2


def test_the_policy_file_holds_the_weights_and_the_formula_says_them() -> None:
    assert policy().weights == {"response": 0.2, "resolution": 0.4, "satisfaction": 0.4}
    assert policy().formula() == "综合得分＝响应率×20%＋解决率×40%＋满意率×40%"
    with pytest.raises(ValueError, match="weights"):
        parse_policy({"weights": {"response": 1.0}})
