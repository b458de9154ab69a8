"""The work lists' pure parts: which tabs a role works from, what a query string asks for,
and which page links a list offers."""

from __future__ import annotations

import pytest

from services.desk.board.listing import (
    PAGE_SIZE,
    BadQuery,
    ListQuery,
    last_page,
    pager,
    parse,
    tabs_of,
)

SUPERVISOR_TABS = tabs_of("supervisor")


def test_each_role_sees_the_tabs_of_its_work() -> None:
    # 我的 (cases named to the handler or held as a backup) comes beside the unit's lists.
    assert tabs_of("handler") == ("accept", "doing", "done", "mine")
    assert "callback" in tabs_of("dispatcher") and "extension" not in tabs_of("dispatcher")
    assert {"extension", "arbitration"} <= set(SUPERVISOR_TABS)
    assert "callback" not in SUPERVISOR_TABS
    assert tabs_of("operator") == () and tabs_of("auditor") == ()


def test_an_empty_query_is_the_first_tab_page_one() -> None:
    q = parse({}, SUPERVISOR_TABS)
    assert q == ListQuery("accept")
    assert (q.page, q.size, q.offset, q.filtered) == (1, PAGE_SIZE, 0, False)


def test_filters_and_page_are_read_and_written_back() -> None:
    params = {"tab": "doing", "q": "  路灯   柳岸 ", "light": "red", "topic": "城乡建设"}
    q = parse({**params, "unit": "U-1", "page": "3"}, SUPERVISOR_TABS, units=["U-1", "U-2"])
    assert (q.tab, q.text, q.light, q.topic, q.unit_id, q.page) == (
        "doing",
        "路灯 柳岸",
        "red",
        "城乡建设",
        "U-1",
        3,
    )
    assert q.offset == 2 * PAGE_SIZE and q.filtered
    # Links keep every filter; page 1 and empty values are left out.
    again = parse(dict(q.params(page=1)), SUPERVISOR_TABS, units=["U-1"])
    assert again.page == 1 and again.text == "路灯 柳岸" and again.unit_id == "U-1"
    assert "page=" not in q.href("/queue", page=1) and "page=4" in q.href("/queue", page=4)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tab": "callback"}, "没有这个工单列表"),  # not a supervisor's tab
        ({"tab": "nope"}, "没有这个工单列表"),
        ({"light": "blue"}, "灯色"),
        ({"topic": "不存在的主题"}, "主题"),
        ({"unit": "U-9"}, "不在您的管辖范围内"),
        ({"page": "x"}, "页码须为数字"),
        ({"page": "0"}, "页码超出范围"),
    ],
)
def test_what_a_list_cannot_answer_is_said_in_chinese(params: dict[str, str], message: str) -> None:
    with pytest.raises(BadQuery, match=message):
        parse(params, SUPERVISOR_TABS, units=["U-1"])


def test_a_handler_gets_no_unit_filter() -> None:
    with pytest.raises(BadQuery):
        parse({"unit": "U-D01-T01-V01"}, tabs_of("handler"))


@pytest.mark.parametrize(
    ("text", "case_no"),
    [("20261201000042", "20261201000042"), ("2026120", "2026120"), ("路灯", ""), ("12", "")],
)
def test_a_case_number_is_told_from_words(text: str, case_no: str) -> None:
    assert ListQuery("accept", text=text).case_no == case_no


def test_pages_count_and_links() -> None:
    assert (last_page(0), last_page(30), last_page(31), last_page(2000)) == (1, 1, 2, 67)
    assert pager(1, 1) == [1]
    assert pager(1, 5) == [1, 2, 3, 4, 5]
    assert pager(1, 67) == [1, 2, 3, None, 67]
    assert pager(30, 67) == [1, None, 28, 29, 30, 31, 32, None, 67]
    assert pager(67, 67) == [1, None, 65, 66, 67]
    assert pager(4, 67) == [1, 2, 3, 4, 5, 6, None, 67]
    assert pager(5, 67) == [1, 2, 3, 4, 5, 6, 7, None, 67]  # no gap for one page
