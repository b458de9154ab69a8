"""The grid tier at the desk: 就地办结 on the board, the grid worker's rights, patrol reports
as intake receives them, and the assessment formulas of services/desk/policy/grid.yaml."""

from __future__ import annotations

from datetime import date

import pytest

from services.common.access import casework
from services.common.jurisdiction import Directory
from services.desk.board.rates import unit_rates
from services.desk.board.rules import fold
from services.desk.grid.assessment import (
    GridCounts,
    GridPolicy,
    Worker,
    assess,
    parse_policy,
    policy,
)
from services.desk.ui.grid import patrol_case
from services.desk.ui.users import User

GRID = "G-D01-T01-V01-01"
OTHER_GRID = "G-D01-T01-V01-02"
WORKER = User("wangge-liuan1", "张网格员", GRID, "grid_worker", "")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.from_file()


def test_a_report_closed_on_the_spot_counts_for_the_grid_as_resolved_on_time() -> None:
    received = fold(
        "minhu.case.received.v1",
        {
            "title": "楼道堆物",
            "content": "楼道堆物已清理",
            "grid_code": GRID,
            "channel": "grid_patrol",
            "on_spot_note": "已督促住户清走",
        },
        None,
    )
    assert received.values["unit_id"] == GRID and received.values["tier"] == "grid"
    closed = fold(
        "minhu.case.closed.v1",
        {"reason": "closed_on_spot", "closed_at": "2026-12-01T02:00:00Z"},
        GRID,
    )
    assert closed.values["resolved_at"] == closed.values["closed_at"]
    rates = unit_rates(("C1", unit, mark) for unit, mark in received.marks)[GRID]
    assert (rates.accept_due, rates.accepted_on_time) == (1, 1)
    assert (rates.resolve_due, rates.resolved_on_time) == (1, 1)
    assert rates.answered == 0  # no callback: not in 满意率


def test_a_report_sent_to_the_grid_earns_no_marks_at_intake() -> None:
    received = fold(
        "minhu.case.received.v1",
        {"title": "路灯不亮", "content": "路灯不亮了", "grid_code": GRID, "channel": "grid_patrol"},
        None,
    )
    assert received.marks == [] and "unit_id" not in received.values


def test_a_grid_worker_works_the_cases_of_their_own_grid_only(directory: Directory) -> None:
    own = {"unit_id": GRID, "state": "dispatched", **casework.place(directory, GRID)}
    other = {"unit_id": OTHER_GRID, "state": "dispatched"}
    assert casework.next_actions(WORKER, own, directory) == ("accept", "bounce")
    assert casework.next_actions(WORKER, other, directory) == ()
    assert "本网格" in (casework.refusal(WORKER, other, directory) or "")
    # The grid lies in its village's township: the township's supervisors see its cases.
    assert casework.place(directory, GRID)["township_id"] == "D01-T01"


FORM = {
    "title": "楼道堆物",
    "content": "柳岸花园3栋楼道堆放纸箱",
    "address": "柳岸花园3栋",
    "latitude": "28.2301",
    "longitude": "112.9301",
    "outcome": "on_spot",
    "note": "已督促住户清走",
}


def test_a_patrol_report_is_an_anonymous_grid_patrol_case_of_the_workers_grid() -> None:
    body, problem = patrol_case(WORKER, GRID, FORM)
    assert problem == "" and body is not None
    assert body["channel"] == "grid_patrol" and body["anonymous"] is True
    assert body["grid_code"] == GRID and body["operator"] == WORKER.username
    assert (body["latitude"], body["longitude"]) == (28.2301, 112.9301)
    assert body["on_spot_note"] == "已督促住户清走"
    sent, _ = patrol_case(WORKER, GRID, {**FORM, "outcome": "report", "note": ""})
    assert sent is not None and "on_spot_note" not in sent


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"note": ""}, "处理情况"),
        ({"content": "太短"}, "5 个字"),
        ({"longitude": ""}, "纬度和经度"),
        ({"latitude": "north"}, "纬度和经度"),
        ({"outcome": "later"}, "处理方式"),
    ],
)
def test_a_patrol_report_missing_what_it_needs_is_refused(change: dict[str, str], why: str) -> None:
    body, problem = patrol_case(WORKER, GRID, {**FORM, **change})
    assert body is None and why in problem


def test_the_assessment_follows_the_policy_formulas() -> None:
    rules = GridPolicy(visits_per_day=2)
    days = [date(2026, 12, d) for d in (1, 2, 3, 4)]
    a, b = assess(
        [Worker("b", "乙", OTHER_GRID), Worker("a", "甲", GRID)],
        working_days=days,
        # A day off with activity counts as present, capped at 100 %.
        active_days={"a": [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 3)]},
        visits={"a": 6, "b": 20},
        grids={
            GRID: GridCounts(resolve_due=4, resolved_on_time=3, satisfied=1, answered=2, on_spot=2)
        },
        rules=rules,
    )
    assert a.worker.username == "a"  # ordered by grid
    assert (a.days_active, a.days_due, a.attendance) == (2, 4, 0.5)
    assert (a.visits, a.visits_due, a.visit_rate) == (6, 8, 0.75)
    assert (a.resolution, a.satisfaction, a.grid.on_spot) == (0.75, 0.5, 2)
    assert b.visit_rate == 1.0 and b.attendance == 0.0
    assert b.resolution is None and b.satisfaction is None  # nothing due: "—"


def test_no_working_day_yet_leaves_attendance_and_visits_without_a_rate() -> None:
    (only,) = assess(
        [Worker("a", "甲", GRID)], working_days=[], active_days={}, visits={}, grids={}
    )
    assert only.attendance is None and only.visit_rate is None


def test_the_grid_policy_file_loads_and_a_bad_one_is_refused() -> None:
    assert policy().visits_per_day >= 1
    assert "出勤率" in policy().note() and "群众评价" in policy().note()
    for bad in ({}, {"visits_per_day": 0}, {"visits_per_day": True}, []):
        with pytest.raises(ValueError, match=r"visits_per_day|mapping"):
            parse_policy(bad)
