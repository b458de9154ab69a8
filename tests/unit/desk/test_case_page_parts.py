"""The case page's parts as pure functions: the next actions or what the case waits for,
dispatch's reasons said once, repeat calls and linked cases."""

from __future__ import annotations

from typing import Any

from services.desk.ui.casepage import actions_card, related, related_card, why, why_parts

OLD = (
    "该诉求归入「城乡建设」类（置信度 0.91），难度为「简单（立即办）」。"
    "按村/社区办理，派至「柳岸社区居民委员会」。"
    "判定依据：关键词「路灯」；网格 G-D01-T01-V01-01；关联 2 件相似诉求（A、B）。"
)
REASONS = ["关键词「路灯」", "网格 G-D01-T01-V01-01", "关联 2 件相似诉求（A、B）"]


def test_the_explanation_says_each_reason_once() -> None:
    summary, grounds = why_parts(OLD, [*REASONS, "关键词「路灯」"])
    assert summary.endswith("派至「柳岸社区居民委员会」。") and "判定依据" not in summary
    assert grounds == REASONS
    html = why(OLD, REASONS)
    for reason in REASONS:
        assert html.count(reason) == 1, reason
    # The grounds are folded under the decision.
    assert '<details class="grounds"' in html and "判定依据（3 条）" in html
    assert "<details" not in why("派至「柳岸社区」。", [])


def row(state: str, pending: bool = False) -> dict[str, Any]:
    return {"unit_id": "U-D01-T01-V01", "state": state, "extension_pending": pending}


def test_the_actions_card_offers_the_actions_or_says_what_is_awaited() -> None:
    card = actions_card("20261201000001", ("accept", "bounce"), row("dispatched"))
    assert 'id="act-accept"' in card and 'id="act-bounce"' in card
    assert 'id="act-resolve"' not in card and 'id="awaited"' not in card
    done = actions_card("20261201000001", (), row("resolved"))
    assert "<form" not in done and "已办结，等待回访" in done
    assert "等待承办单位签收" in actions_card("20261201000001", (), row("dispatched"))
    assert "已办结归档" in actions_card("20261201000001", (), row("closed"))


def entry(kind: str, other: str, note: str = "") -> dict[str, Any]:
    return {"kind": kind, "note": note, "data": {"related_case_no": other}}


def test_repeat_calls_and_linked_cases_are_told_once_each() -> None:
    entries = [
        {"kind": "received", "note": "", "data": {}},
        entry("repeat_called", "20261201000007", "来电人再次反映同一诉求，已并入本工单"),
        entry("linked", "20261201000003", "相似诉求：同一网格、同类「城乡建设」、文本相似度 0.82"),
        entry("repeat_called", "20261201000007"),  # a redelivered event
        entry("repeat_called", "20261201000009"),
    ]
    repeats, links = related(entries)
    assert repeats == ["20261201000007", "20261201000009"]
    assert links == [("20261201000003", "同一网格、同类「城乡建设」、文本相似度 0.82")]
    card = related_card(entries)
    assert "重复来电 2 次" in card and "关联工单 1 件" in card
    assert 'href="/cases/20261201000003"' in card
    assert related_card(entries[:1]) == ""
