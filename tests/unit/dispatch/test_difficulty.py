from typing import Any

import pytest
import yaml

from services.dispatch.domain import CaseText, Difficulty
from services.dispatch.domain.classify import DEFAULT_PATH
from services.dispatch.domain.difficulty import DifficultyPolicy, DifficultyPolicyError
from services.dispatch.domain.hybrid import HybridClassifier


@pytest.fixture(scope="module")
def hybrid() -> HybridClassifier:
    return HybridClassifier.load()


def _section() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    section: dict[str, Any] = data["difficulty"]
    return section


def _difficulty_reason(reasons: tuple[str, ...]) -> str:
    return next(r for r in reasons if r.startswith("难度"))


def test_a_question_about_a_rule_is_simple(hybrid: HybridClassifier) -> None:
    case = CaseText(title="请问公积金怎么提取", content="租房可以提取住房公积金吗？需要哪些材料？")

    result = hybrid.classify(case)

    assert result.difficulty is Difficulty.SIMPLE
    assert "询问政策或办事方法（请问）-2" in _difficulty_reason(result.reasons)


def test_a_long_account_of_several_matters_and_departments_is_complex(
    hybrid: HybridClassifier,
) -> None:
    matters = "。一是小区道路被挖开后一直没有恢复，二是排水管道堵塞污水外溢，三是施工噪音扰民"
    content = (
        "我们小区改造工程问题很多" + matters + "。我们找过住建局、城管局和街道办事处，"
        "各部门相互推诿。" + "居民生活受到严重影响，希望尽快协调解决。" * 12
    )

    result = hybrid.classify(CaseText(title="小区改造问题", content=content))

    reason = _difficulty_reason(result.reasons)
    assert result.difficulty is Difficulty.COMPLEX
    assert "涉及多个事项（3 项）" in reason and "涉及多个部门" in reason


def test_a_matter_that_dragged_on_for_years_is_legacy(hybrid: HybridClassifier) -> None:
    content = (
        "我们是某安置小区的住户，交房十几年了还是办不了房产证，孩子上学和房屋过户都受影响。"
        "开发商说是土地手续问题，房管部门说要开发商先补缴费用。"
        * 3
        + "我们多次反映，一直没有解决。"
    )

    result = hybrid.classify(CaseText(title="房产证多年办不下来", content=content))

    assert result.difficulty is Difficulty.LEGACY
    assert "长期未解决" in _difficulty_reason(result.reasons)


def test_a_short_question_mentioning_years_is_not_legacy(hybrid: HybridClassifier) -> None:
    case = CaseText(title="咨询社保补缴", content="请问断缴多年的养老保险还能补缴吗？")

    result = hybrid.classify(case)

    assert result.difficulty is Difficulty.GENERAL
    assert "长期未解决（多年）+2" in _difficulty_reason(result.reasons)


def test_a_short_report_of_one_broken_thing_is_simple(hybrid: HybridClassifier) -> None:
    result = hybrid.classify(CaseText(title="路灯不亮", content="小区门口的路灯坏了三天"))

    assert result.difficulty is Difficulty.SIMPLE
    assert "单一事项（路灯" in _difficulty_reason(result.reasons)


def test_points_decide_between_the_cut_offs() -> None:
    policy = DifficultyPolicy.from_dict(_section())
    plain = CaseText(title="噪音", content="楼下" * 100)  # 200 characters, nothing else
    short = CaseText(title="噪音", content="楼下" * 20)

    def decide(
        case: CaseText,
        history: tuple[str, ...] = (),
        joint: tuple[str, ...] = (),
        **cues: list[str],
    ) -> tuple[Difficulty, int]:
        return policy.decide(policy.signals(case, history=history, joint=joint, **cues))

    assert decide(plain) == (Difficulty.GENERAL, 0)
    assert decide(plain, joint=("推诿",)) == (Difficulty.COMPLEX, 2)
    assert decide(plain, history=("多年",))[0] is Difficulty.LEGACY
    assert decide(short, history=("多年",)) == (Difficulty.GENERAL, 1)
    assert decide(short, single_point=["路灯坏"]) == (Difficulty.SIMPLE, -2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"simple_at_most": 3}, "simple_at_most"),
        ({"long_chars": 100}, "short_chars < long_chars"),
        ({"sizes": 2}, "unknown setting"),
        ({"consultation": "(请问"}, "bad pattern"),
    ],
)
def test_a_malformed_difficulty_section_is_rejected(change: dict[str, Any], message: str) -> None:
    with pytest.raises(DifficultyPolicyError, match=message):
        DifficultyPolicy.from_dict({**_section(), **change})
