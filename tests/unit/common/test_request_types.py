"""Request types: the suggestion from the caller's words and the path each type takes."""

from __future__ import annotations

import pytest

from services.common.request_types import Path, RequestType, label, parse, path_of, suggest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请问办理居住证需要什么材料？在哪里办？", RequestType.CONSULTATION),
        ("我想咨询一下公积金提取的流程", RequestType.CONSULTATION),
        ("楼下烧烤店每天凌晨噪音扰民，投诉多次没人管", RequestType.COMPLAINT),
        ("举报小区有人私自搭建违建", RequestType.REPORT),
        ("老人走失了，家属急需帮助寻找", RequestType.HELP),
        ("建议在学校门口增设红绿灯", RequestType.SUGGESTION),
        ("表扬柳岸社区王书记，上门帮我办好了低保，非常感谢", RequestType.PRAISE),
    ],
)
def test_the_words_suggest_the_type(text: str, expected: RequestType) -> None:
    suggestion = suggest(text)
    assert suggestion.type is expected
    assert suggestion.explanation.startswith(f"诉求类型建议为「{label(expected)}」")
    assert suggestion.confidence > 0


def test_no_cue_means_a_complaint_and_says_so() -> None:
    suggestion = suggest("柳岸路三号")
    assert suggestion.type is RequestType.COMPLAINT
    assert suggestion.confidence == 0
    assert "未见类型提示词" in suggestion.explanation


def test_a_mixed_text_names_the_runner_up() -> None:
    suggestion = suggest("投诉物业乱收费，请问收费标准是多少")
    assert suggestion.type is RequestType.COMPLAINT
    assert "也有咨询的提示" in suggestion.explanation


def test_the_longest_cue_wins_its_characters() -> None:
    # 违法建设 (report) holds 建设; 建议 must not be read out of another word.
    assert suggest("举报违法建设").type is RequestType.REPORT


def test_paths() -> None:
    assert path_of("consultation", answered=True) is Path.ANSWER
    assert path_of("consultation") is Path.DISPATCH
    assert path_of("praise") is Path.FORWARD
    for kind in ("help", "complaint", "report", "suggestion", "", None, "nonsense"):
        assert path_of(kind, answered=True) is Path.DISPATCH


def test_older_events_read_as_unknown() -> None:
    assert parse("") is None
    assert parse("nonsense") is None
    assert label("") == "未分类"
    assert label("praise") == "表扬"
