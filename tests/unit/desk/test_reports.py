"""Report periods, counts, roll-ups and exports, without a server."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from services.desk.reports.export import to_csv, to_xlsx
from services.desk.reports.figures import LOCAL, build, handling_of, period, unit_counts
from services.desk.search.words import query_words, search_words

V1, V2, T1 = "U-V1", "U-V2", "U-T1"
TOWNSHIP = {V1: "T-A", V2: "T-A", T1: "T-A"}


def test_periods_hold_their_day_and_start_at_local_midnight() -> None:
    q = period("quarter", date(2026, 11, 15))
    assert (q.start, q.end) == (
        datetime(2026, 10, 1, tzinfo=LOCAL),
        datetime(2027, 1, 1, tzinfo=LOCAL),
    )
    assert q.label == "2026年第4季度" and q.previous().label == "2026年第3季度"
    w = period("week", date(2026, 12, 3))  # a Thursday
    assert w.start.date() == date(2026, 11, 30) and w.end - w.start == timedelta(days=7)
    m = period("month", date(2026, 2, 10))
    assert m.end.date() == date(2026, 3, 1)
    c = period("custom", date(2026, 1, 1), date(2026, 1, 31))
    assert c.end.date() == date(2026, 2, 1)
    with pytest.raises(ValueError, match="结束日期"):
        period("custom", date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(ValueError, match="未知"):
        period("year", date(2026, 1, 1))


def _report():  # type: ignore[no-untyped-def]
    p = period("month", date(2026, 11, 1))
    marks = [
        ("1", V1, "assigned"), ("1", V1, "accepted"), ("1", V1, "resolved"), ("1", V1, "satisfied"),
        ("2", V1, "assigned"), ("2", V1, "accept_late"), ("2", V1, "accepted"),
        ("2", V1, "escalated"), ("2", T1, "assigned"), ("2", T1, "bounced"),
        ("3", V2, "assigned"), ("3", V2, "unsatisfied"),
    ]  # fmt: skip
    return build(
        p,
        units=unit_counts(marks, [("1", V1)]),
        by_topic_area={("城乡建设", "T-A"): 2, ("环境保护", "T-A"): 1},
        by_day={"2026-11-11": 1, "2026-11-10": 2},
        handling=handling_of([10.0, 30.0]),
        township_of=TOWNSHIP.get,  # type: ignore[arg-type]
        district_of=lambda _u: "D",
    )


def test_counts_rates_roll_ups_and_handling_time() -> None:
    r = _report()
    v1 = r.units[V1]
    assert (v1.assigned, v1.accepted_on_time, v1.resolved, v1.closed) == (2, 1, 1, 1)
    assert (v1.accept_due, v1.resolve_due, v1.resolved_on_time, v1.resolution) == (2, 1, 1, 1.0)
    assert (v1.overdue, v1.escalated, v1.response, v1.close_out) == (1, 1, 0.5, 0.5)
    assert r.units[T1].bounced == 1 and r.units[V2].reopened == 1
    assert r.units[V2].satisfaction == 0.0 and r.units[T1].satisfaction is None
    area = r.townships["T-A"]
    assert (area.assigned, area.resolved, area.answered, area.satisfied) == (4, 1, 2, 1)
    assert r.districts["D"].assigned == 4
    assert list(r.by_day) == ["2026-11-10", "2026-11-11"]  # in date order for the trend
    assert r.handling == handling_of([30.0, 10.0]) and r.handling.mean_hours == 20.0
    # Only V1 had a case due (T1 bounced its case, V2's was never accepted nor late):
    # one ranked unit is on neither list.
    assert r.units[T1].response is None and r.units[V2].resolution is None
    assert r.red == [] and r.black == []


def test_handling_time_is_counted_with_a_nearest_rank_90th_percentile() -> None:
    ten = handling_of(float(h) for h in range(1, 11))
    assert (ten.resolved, ten.mean_hours, ten.p90_hours) == (10, 5.5, 9.0)
    assert handling_of([]).p90_hours is None and handling_of([]).resolved == 0


def test_the_workbook_and_the_csv_carry_the_same_counts() -> None:
    r = _report()
    names = {V1: "柳岸社区", V2: "金桥社区", T1: "湖滨街道", "T-A": "湖滨街道", "D": "明湖区"}.get
    book = load_workbook(io.BytesIO(to_xlsx(r, lambda a: names(a) or a)))
    assert book.sheetnames[:3] == ["单位三率", "乡镇街道", "区"]
    rows = list(book["单位三率"].iter_rows(values_only=True))
    assert rows[0][0] == "统计周期：2026年11月"
    by_unit = {row[0]: row for row in rows[2:]}
    # 派单, 应签收, 按时签收, 应办结, 按时办结, 办结
    assert by_unit["柳岸社区"][1:7] == (2, 2, 1, 1, 1, 1)
    assert by_unit["柳岸社区"][14:16] == ("50.0%", "100.0%")
    text = to_csv(r, lambda a: names(a) or a)
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["柳岸社区", "2", "2", "1"] in [row[:4] for row in parsed]
    with pytest.raises(KeyError):
        to_csv(r, lambda a: a, "没有这张表")


def test_search_words_are_jieba_words_and_queries_keep_single_characters() -> None:
    words = search_words("柳岸路路灯坏了三天了，晚上很黑").split()
    assert "路灯" in words and "，" not in words and all(len(w) >= 2 for w in words)
    assert "路灯" in query_words("路灯") and query_words("灯") == ["灯"]
    assert query_words("   ") == []


def test_a_single_character_search_across_a_district_must_be_narrowed() -> None:
    from services.desk.board.queries import Scope
    from services.desk.search.query import Search, TooBroad, conditions

    with pytest.raises(TooBroad, match="单字检索"):
        conditions(Search(text="灯"), Scope("district", "D01"))
    assert conditions(Search(text="灯"), Scope("unit", "U-1"))
    assert conditions(Search(text="灯", equals={"unit_id": "U-1"}), Scope("all"))
    assert conditions(Search(text="路灯"), Scope("all"))


def test_the_centre_counts_its_direct_answers_but_is_never_ranked() -> None:
    centre = "U-CENTRE"
    marks = [
        ("9", centre, mark) for mark in ("assigned", "accepted", "resolved", "answered_directly")
    ] + [("3", V2, "assigned"), ("3", V2, "unsatisfied")]
    report = build(
        period("month", date(2026, 11, 1)),
        units=unit_counts(marks, [("9", centre)]),
        by_topic_area={},
        by_day={},
        handling=handling_of([]),
        township_of=lambda _u: "T-A",
        district_of=lambda _u: "D",
        unranked=frozenset({centre}),
        by_type={"consultation": 1, "complaint": 1},
    )
    counted = report.units[centre]
    assert (counted.assigned, counted.accepted_on_time, counted.resolved) == (1, 1, 1)
    assert counted.response == 1.0 and counted.close_out == 1.0
    assert centre not in [r.unit_id for r in report.red + report.black]
    assert report.districts["D"].assigned == 2
    assert report.by_type == {"consultation": 1, "complaint": 1}
