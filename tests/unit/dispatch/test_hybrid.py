from pathlib import Path

import pytest

from services.dispatch.domain import CaseText, Difficulty, RoutingPolicy
from services.dispatch.domain.hybrid import HybridClassifier
from services.dispatch.domain.textmodel import CorpusError, TextModel, load_corpus


@pytest.fixture(scope="module")
def hybrid() -> HybridClassifier:
    return HybridClassifier.load()


def test_the_corpus_covers_every_topic_and_difficulty() -> None:
    examples = load_corpus()

    assert len(examples) >= 300
    assert len({e.topic for e in examples}) == 15
    assert {e.difficulty for e in examples} == set(Difficulty)


def test_training_is_reproducible() -> None:
    examples = load_corpus()
    case = "孩子学校强制收取资料费"

    first = TextModel.train(examples).topic.proba(case)
    second = TextModel.train(examples).topic.proba(case)

    assert first == second


def test_model_reads_wording_the_lexicon_does_not_list(hybrid: HybridClassifier) -> None:
    case = CaseText(title="班主任动员补课", content="班主任上课不认真讲，却叫学生去她家里收费补课")

    result = hybrid.classify(case)

    assert result.topic == "教育文体"
    assert any("模型判为「教育文体」" in r for r in result.reasons)


def test_explanation_names_rules_model_and_confidence(hybrid: HybridClassifier) -> None:
    result = hybrid.classify(CaseText(title="路灯坏了", content="柳岸路的路灯坏了三天"))

    assert result.topic == "城乡建设" and result.difficulty is Difficulty.SIMPLE
    assert result.confidence >= 0.5
    assert result.reasons[0].startswith("主题「城乡建设」：规则命中 路灯")
    assert result.reasons[1].startswith(f"置信度 {result.confidence:.2f}")


def test_a_vague_message_goes_to_a_person(hybrid: HybridClassifier) -> None:
    result = hybrid.classify(CaseText(title="咨询", content="你好，我想问一下这个事情找哪里"))

    assert result.confidence < RoutingPolicy.from_file().manual_below_confidence
    assert result.raw_confidence is not None and result.raw_confidence < 0.3


def test_confidence_is_the_calibrated_share(hybrid: HybridClassifier) -> None:
    case = CaseText(title="出租车拒载", content="昨晚在火车站打出租车，司机拒载还要求不打表。")

    result = hybrid.classify(case)

    assert hybrid.calibration is not None and result.raw_confidence is not None
    assert result.confidence == round(hybrid.calibration.probability(result.raw_confidence), 3)
    assert "按语料交叉验证校准" in result.reasons[1]


def test_a_long_account_without_cues_is_not_simple(hybrid: HybridClassifier) -> None:
    case = CaseText(title="路灯", content="路灯" + "情况说明，" * 80)

    assert hybrid.classify(case).difficulty is not Difficulty.SIMPLE


def test_malformed_corpus_lines_are_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "corpus_bad.tsv"
    bad.write_text("不存在的主题\tsimple\t标题\t内容\n", encoding="utf-8")

    with pytest.raises(CorpusError):
        load_corpus([bad])
