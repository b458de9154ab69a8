"""Queue lines: open cases count down, finished ones say when they were finished and count
nothing down; a viewer of one unit is not told its own unit on every card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.desk.board.listing import ListQuery
from services.desk.ui.queues import headers_of, pager_of, queue_rows
from services.desk.worktime.model import CLOCK

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def row(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "case_no": "20261201000001",
        "light": "green",
        "urgent": False,
        "escalation_level": 0,
        "supervised": False,
        "extension_pending": False,
        "title": "柳岸路路灯不亮",
        "content": "",
        "topic": "城乡建设",
        "difficulty": "simple",
        "unit_name": "柳岸社区居民委员会",
        "state": "accepted",
        "due": AT + timedelta(days=2),
        "resolved_at": None,
        "closed_at": None,
        "time_left": timedelta(hours=5),
        "time_basis": CLOCK,
        "office_day": timedelta(days=1),
        "time_at": 0,
    }
    return {**base, **over}


def test_an_open_case_counts_down_and_a_finished_one_does_not() -> None:
    [doing] = queue_rows([row()], "doing", show_unit=False)
    assert "data-left" in doing and "剩余 5小时0分" in doing
    finished = row(state="resolved", resolved_at=AT, time_left=None)
    for tab in ("done", "callback"):
        [done] = queue_rows([finished], tab, show_unit=False)
        assert "data-left" not in done and "剩余" not in done and "remain" not in done
        assert 'data-label="办结"' in done
    [callback] = queue_rows([finished], "callback", show_unit=False)
    assert "/cases/20261201000001#act-callback" in callback


def test_the_unit_column_only_where_the_viewer_sees_several_units() -> None:
    [own] = queue_rows([row()], "doing", show_unit=False)
    [several] = queue_rows([row()], "doing", show_unit=True)
    assert "柳岸社区居民委员会" not in own and 'data-label="承办"' in several
    assert "承办" not in headers_of("doing", show_unit=False)
    assert headers_of("done", show_unit=True)[-2:] == ["办结", "销号"]


def test_the_pager_links_keep_the_filters_and_mark_the_page() -> None:
    q = ListQuery("doing", text="路灯", light="red", page=2)
    html = pager_of("/queue", q, total=95)
    assert 'data-last="4"' in html and 'aria-current="page">2<' in html
    assert "/queue?tab=doing&amp;q=%E8%B7%AF%E7%81%AF&amp;light=red&amp;page=3" in html
    assert 'id="prev"' in html and 'id="next"' in html
    assert pager_of("/queue", ListQuery("doing"), total=30) == ""
