"""The citizens' look-up: matching the phone's last digits and what the answer shows."""

from __future__ import annotations

from datetime import UTC, datetime

from services.intake.domain.lookup import digits_match, public_view
from services.intake.domain.progress import ACTION, step_of

AT = datetime(2026, 12, 1, tzinfo=UTC)
CASE = {
    "case_no": "20261201000001",
    "caller_name": "张三",
    "caller_phone": "13812345678",
    "content": "柳岸路路灯坏了",
    "address": "柳岸路",
    "request_type": "complaint",
    "received_at": AT,
    "closed_at": None,
    "repeat_of": None,
    "answer": None,
}


def test_only_the_last_four_digits_match() -> None:
    assert digits_match("13812345678", "5678")
    assert digits_match("010-87654321", "4321")
    assert not digits_match("13812345678", "1234")
    assert not digits_match(None, "5678")
    assert not digits_match("", "0000")


def test_nothing_personal_and_no_answer_before_resolution() -> None:
    view = public_view(CASE, {"state": "accepted", "unit_name": "柳岸社区居民委员会"})
    text = str(view)
    for personal in ("张三", "13812345678", "柳岸路路灯", "柳岸路"):
        assert personal not in text.replace("柳岸社区居民委员会", "")
    assert view["state"] == "承办单位已签收，正在办理" and view["answer"] is None
    assert view["unit_name"] == "柳岸社区居民委员会" and view["request_type"] == "投诉"


def test_the_answer_once_resolved_with_numbers_masked() -> None:
    note = "已修复路灯，张三可拨打13812345678联系"
    view = public_view(
        CASE, {"state": "resolved", "unit_name": "柳岸社区居民委员会", "answer": note}
    )
    assert view["state"] == "已办结，等待回访"
    assert view["answer"] == "已修复路灯，张*可拨打138****5678联系"


def test_a_consultation_answered_on_the_call() -> None:
    case = {**CASE, "request_type": "consultation", "answer": "请到派出所办理", "closed_at": AT}
    view = public_view(case, None)
    assert view["closed"] and view["answer"] == "请到派出所办理"
    assert view["unit_name"] == "12345热线"


def test_a_praise_forwarded() -> None:
    case = {**CASE, "request_type": "praise", "closed_at": AT}
    view = public_view(case, {"state": "dispatched", "unit_name": "柳岸社区居民委员会"})
    assert view["state"] == "表扬已转达承办单位" and "柳岸社区居民委员会" in view["answer"]


def test_older_cases_read_as_unclassified() -> None:
    assert public_view({**CASE, "request_type": None}, None)["request_type"] == "未分类"


def test_progress_keeps_the_resolution_note_only() -> None:
    resolved = step_of(ACTION, {"action": "resolved", "state": "resolved", "note": "已修复"})
    assert resolved.answer == "已修复"
    progressed = step_of(ACTION, {"action": "progressed", "state": "in_progress", "note": "在修"})
    assert progressed.answer is None
