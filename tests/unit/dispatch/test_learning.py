"""Learning from the centre: its history as examples, versions on disk, shadow judgement."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.dispatch.domain.classify import Classifier
from services.dispatch.domain.hybrid import FoldResult
from services.dispatch.domain.model import CaseText
from services.dispatch.domain.textmodel import TextModel, document, load_corpus
from services.dispatch.learning.history import (
    CLOSED,
    CORRECTION,
    centre_examples,
    corpus_examples,
    data_hash,
)
from services.dispatch.learning.live import LiveModels
from services.dispatch.learning.shadow import evaluate, promotion_refusal
from services.dispatch.learning.training import scores, train
from services.dispatch.learning.versions import CORPUS_VERSION, ModelStore, VersionError

CORRECTED = {
    "case_no": "20261201000001",
    "title": "路灯不亮",
    "content": "小区门口路灯坏了，电话13800001111",
    "topic": "城乡建设",
    "difficulty": "simple",
}
CLOSED_ROW = {**CORRECTED, "topic": "交通运输", "difficulty": "general"}


def test_a_correction_wins_over_the_same_cases_final_label_and_numbers_are_scrubbed() -> None:
    other = {**CLOSED_ROW, "case_no": "20261201000002"}
    items = centre_examples([CORRECTED], [CLOSED_ROW, other])
    by_case = {i.case_no: i for i in items}
    assert by_case["20261201000001"].source == CORRECTION
    assert by_case["20261201000001"].example.topic == "城乡建设"
    assert by_case["20261201000002"].source == CLOSED
    assert all("13800001111" not in i.example.text for i in items)


def test_rows_without_a_known_topic_or_text_are_left_out() -> None:
    rows = [{**CLOSED_ROW, "topic": "不存在"}, {**CLOSED_ROW, "case_no": "x", "content": " "}]
    assert centre_examples([], rows) == []


def test_the_data_hash_depends_on_the_data_not_its_order() -> None:
    a = centre_examples([CORRECTED], [{**CLOSED_ROW, "case_no": "20261201000002"}])
    assert data_hash(a) == data_hash(list(reversed(a)))
    changed = centre_examples([{**CORRECTED, "topic": "民政"}], [])
    assert data_hash(changed) != data_hash(a[:1])


def test_scores_give_accuracy_and_macro_f1() -> None:
    results = [
        FoldResult("a", "a", 1.0),
        FoldResult("a", "b", 1.0),
        FoldResult("b", "b", 1.0),
        FoldResult("b", "b", 1.0),
    ]
    got = scores(results)
    assert got["accuracy"] == 0.75
    # F1(a) = 2/3, F1(b) = 0.8
    assert got["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)
    assert scores([])["cases"] == 0


@pytest.fixture(scope="module")
def small_model() -> TextModel:
    return TextModel.train(load_corpus()[:400])


def test_a_saved_version_loads_to_the_same_model(tmp_path: Path, small_model: TextModel) -> None:
    store = ModelStore(tmp_path)
    version = store.save(small_model, {"data_sha256": "abc"})
    assert version == "v0001"
    assert store.meta(version)["data_sha256"] == "abc"
    loaded = store.load(version)
    doc = document("路灯不亮", "小区门口路灯坏了")
    assert loaded.topic.proba(doc) == pytest.approx(small_model.topic.proba(doc))
    assert store.save(small_model, {}) == "v0002"


def test_promotion_and_rollback_replay_from_the_log(tmp_path: Path, small_model: TextModel) -> None:
    store = ModelStore(tmp_path)
    assert store.promoted() == CORPUS_VERSION
    v1, v2 = store.save(small_model, {}), store.save(small_model, {})
    assert store.candidate() == v2
    store.promote(v1, by="admin")
    assert (store.promoted(), store.candidate()) == (v1, v2)
    store.promote(v2, by="admin")
    assert (store.promoted(), store.candidate()) == (v2, None)
    with pytest.raises(VersionError):
        store.promote(v2, by="admin")
    assert store.rollback(by="admin") == v1
    assert store.rollback(by="admin") == CORPUS_VERSION
    with pytest.raises(VersionError):
        store.rollback(by="admin")
    with pytest.raises(VersionError):
        store.promote("v0099", by="admin")
    assert [p.action for p in store.promotions()] == ["promote", "promote", "rollback", "rollback"]


def test_live_models_follow_the_directory(tmp_path: Path, small_model: TextModel) -> None:
    from services.dispatch.domain.hybrid import HybridClassifier

    base = HybridClassifier(Classifier.from_file(None), small_model)
    store = ModelStore(tmp_path)
    live = LiveModels(base, store)
    live.refresh()
    assert (live.version, live.shadow_version, live.classifier) == (CORPUS_VERSION, None, base)
    v1 = store.save(small_model, {})
    assert live.refresh()
    assert live.shadow_version == v1 and live.shadow is not None
    store.promote(v1, by="admin")
    live._stamp = None  # same-second writes keep the mtime; a real watcher sees later ones
    assert live.refresh()
    assert (live.version, live.shadow) == (v1, None)
    assert live.classifier.classify(CaseText("路灯不亮", "小区门口路灯坏了")).topic


def test_shadow_judgement_compares_both_models_on_cases_with_a_final_label() -> None:
    rows = [
        {"case_no": "1", "topic": "民政", "live_topic": "民政"},
        {"case_no": "2", "topic": "民政", "live_topic": "政法"},
        {"case_no": "3", "topic": "政法", "live_topic": "民政"},
    ]
    report = evaluate(rows, {"1": "民政", "2": "民政"})
    assert (report.cases, report.judged) == (3, 2)
    assert report.agreement == pytest.approx(1 / 3, abs=1e-4)
    assert (report.candidate_accuracy, report.live_accuracy) == (1.0, 0.5)
    assert promotion_refusal(report.to_dict(), min_judged=2) is None
    assert "少于" in (promotion_refusal(report.to_dict(), min_judged=5) or "")
    worse = {**report.to_dict(), "candidate_accuracy": 0.4}
    assert "低于" in (promotion_refusal(worse, min_judged=2) or "")
    assert "尚未" in (promotion_refusal(None, min_judged=2) or "")


def test_training_reports_figures_overall_and_on_the_centres_cases() -> None:
    corpus = corpus_examples(load_corpus()[:300])
    centre = centre_examples([CORRECTED], [{**CLOSED_ROW, "case_no": "20261201000002"}])
    model, meta = train(Classifier.from_file(None), [*corpus, *centre])
    assert model.size == 302
    assert meta["examples"] == {"corpus": 300, "correction": 1, "closed": 1}
    assert meta["centre_cases"] == ["20261201000001", "20261201000002"]
    assert meta["cross_validation"]["all"]["cases"] == 302
    assert meta["cross_validation"]["centre"]["cases"] == 2
    assert 0.5 < meta["cross_validation"]["all"]["accuracy"] <= 1.0
