"""Dispatch explains a case's request type: the operator's choice and what the text says."""

from __future__ import annotations

from services.dispatch.consumer import type_reason
from services.dispatch.domain import CaseText


def test_the_reason_names_the_type_and_the_cue_words() -> None:
    text = CaseText(title="", content="楼下饭店油烟扰民，投诉多次无人处理")
    assert type_reason("complaint", text).startswith("诉求类型「投诉」；诉求类型建议为「投诉」")
    assert "“投诉”" in type_reason("complaint", text)


def test_a_choice_that_differs_from_the_text_says_both() -> None:
    text = CaseText(title="", content="建议在学校门口增设红绿灯")
    reason = type_reason("complaint", text)
    assert reason.startswith("诉求类型「投诉」（受理时选定）") and "「建议」" in reason


def test_events_older_than_types_take_the_complaint_path() -> None:
    assert type_reason("", CaseText(title="", content="路灯坏了")).startswith("未标注诉求类型")
