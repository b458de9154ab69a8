"""Rules and model together: the classification dispatch, the API and the CLI all use.

The lexicon is precise where it hits and says why; the n-gram model covers wording the
lexicon never listed. Topic = argmax of a weighted mix of the two distributions; the mix's
top share, calibrated on corpus folds (calibration.py), is the confidence a dispatcher sees
and the manual-queue threshold reads. Difficulty comes from policy signals (difficulty.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.dispatch.domain import textmodel
from services.dispatch.domain.calibration import DEFAULT_PATH as CALIBRATION_PATH
from services.dispatch.domain.calibration import Calibration, fingerprint, stratified_folds
from services.dispatch.domain.classify import DEFAULT_PATH as LEXICON_PATH
from services.dispatch.domain.classify import Classifier, join_terms
from services.dispatch.domain.difficulty import DifficultyPolicy
from services.dispatch.domain.model import TOPICS, CaseText, Classification
from services.dispatch.domain.textmodel import Example, TextModel, document

# Weight of the rules in the mix; the model gets the rest. 5-fold cross-validation on the
# own corpus (bench/dispatch_corpus_cv.py, 1,271 cases) is flat from 0.6 to 0.8 (accuracy
# 0.934, 0.932, 0.926) and lower at 0.5; training on the older half of the corpus files and
# testing on the newer half (and the reverse) agrees.
RULE_WEIGHT = 0.7
# Rule score mass that counts as "no evidence": share = score / (total + this).
EVIDENCE_DAMPING = 3.0


@dataclass(frozen=True, slots=True)
class FoldResult:
    """One corpus case classified by rules and a model that never saw it."""

    gold: str
    predicted: str
    share: float
    index: int = -1  # position of the case in the examples given


@dataclass(frozen=True)
class HybridClassifier:
    """Classifies a case with the lexicon rules and the corpus model, explaining both."""

    rules: Classifier
    model: TextModel
    rule_weight: float = RULE_WEIGHT
    # None: the confidence is the raw share (used while fitting the calibration itself).
    calibration: Calibration | None = None

    @classmethod
    def load(
        cls,
        lexicon_file: Path | None = None,
        corpus_files: Iterable[Path] | None = None,
        calibration_file: Path | None = None,
    ) -> HybridClassifier:
        """The lexicon, a model trained on the corpus (about 1 s) and the fitted calibration.

        The calibration was fitted on the shipped lexicon and corpus; with others it still
        orders cases the same way, but refit it (bench/dispatch_corpus_cv.py) to trust its
        numbers.
        """
        path = calibration_file or CALIBRATION_PATH
        calibration = Calibration.from_file(path) if path.exists() else None
        return cls(
            Classifier.from_file(lexicon_file),
            TextModel.from_corpus(corpus_files),
            calibration=calibration,
        )

    @property
    def difficulty_policy(self) -> DifficultyPolicy:
        """The lexicon file's difficulty section; a lexicon without one cannot drive dispatch."""
        if self.rules.difficulty_policy is None:
            raise ValueError("the lexicon has no 'difficulty' section")
        return self.rules.difficulty_policy

    def topic_distribution(self, case: CaseText) -> tuple[dict[str, float], list[str], str, float]:
        """Mixed topic shares, the winning rule terms, the model's top topic and its share."""
        ranked = self.rules.score(case)
        total = sum(s.score for s in ranked)
        terms = {s.topic: list(s.terms) for s in ranked}
        model = self.model.topic.proba(document(case.title or "", case.content or ""))
        weight = self.rule_weight if total > 0 else 0.0
        # Thin evidence (one weak word) leaves part of the rules' share unassigned, so it
        # cannot make a case look certain on its own.
        scores = {s.topic: s.score for s in ranked}
        mixed = {
            t: weight * scores[t] / (total + EVIDENCE_DAMPING) + (1 - weight) * model.get(t, 0.0)
            for t in TOPICS
        }
        model_top = max(model, key=model.__getitem__)
        best = max(mixed, key=lambda t: (mixed[t], -TOPICS.index(t)))
        return mixed, terms[best], model_top, model[model_top]

    def classify(self, case: CaseText) -> Classification:
        """Topic, difficulty, urgency and 重大疑难 with Chinese reasons and a confidence."""
        mixed, terms, model_top, model_p = self.topic_distribution(case)
        order = sorted(TOPICS, key=lambda t: (-mixed[t], TOPICS.index(t)))
        topic, second = order[0], order[1]
        share = round(mixed[topic], 3)
        rule_part = f"规则命中 {join_terms(terms)}" if terms else "规则未命中主题词"
        reasons = [f"主题「{topic}」：{rule_part}；模型判为「{model_top}」（概率 {model_p:.2f}）"]
        if self.calibration is None:
            confidence = share
            reasons.append(
                f"置信度 {confidence:.2f}（规则占 {self.rule_weight:.0%}、模型占 "
                f"{1 - self.rule_weight:.0%}）；次选「{second}」（{mixed[second]:.2f}）"
            )
        else:
            confidence = round(self.calibration.probability(share), 3)
            reasons.append(
                f"置信度 {confidence:.2f}（按语料交叉验证校准，规则与模型合计份额 {share:.2f}）；"
                f"次选「{second}」（{mixed[second]:.2f}）"
            )
        difficulty = self.rules.difficulty(case, reasons)
        urgent, major = self.rules.flags(case, reasons)
        return Classification(
            topic=topic,
            difficulty=difficulty,
            urgent=urgent,
            major=major,
            confidence=confidence,
            reasons=tuple(reasons),
            raw_confidence=share,
        )


def model_settings() -> str:
    """The settings a calibration depends on besides the corpus and lexicon files."""
    return (
        f"ngrams={textmodel.NGRAMS};alpha={textmodel.TOPIC_ALPHA};min_df={textmodel.MIN_DF};"
        f"max_chars={textmodel.MAX_CHARS};rule_weight={RULE_WEIGHT};damping={EVIDENCE_DAMPING}"
    )


def shipped_fingerprint(
    lexicon_file: Path | None = None, corpus_files: Iterable[Path] | None = None
) -> str:
    """Fingerprint of the lexicon, corpus and settings a calibration must have been fitted on."""
    corpus = list(corpus_files) if corpus_files is not None else textmodel.corpus_files()
    return fingerprint([lexicon_file or LEXICON_PATH, *corpus], model_settings())


def out_of_fold(
    rules: Classifier,
    examples: Sequence[Example],
    *,
    folds: int = 5,
    seed: int = 0,
    rule_weight: float = RULE_WEIGHT,
) -> list[FoldResult]:
    """Every corpus case classified by the rules and a model trained on the other folds."""
    out: list[FoldResult] = []
    for held in stratified_folds(examples, folds, seed):
        held_set = set(held)
        train = [e for i, e in enumerate(examples) if i not in held_set]
        docs = [document(e.title, e.text) for e in train]
        topic = textmodel.LinearModel.fit(docs, [e.topic for e in train])
        hybrid = HybridClassifier(rules, TextModel(topic, len(train)), rule_weight)
        for i in held:
            e = examples[i]
            mixed, *_ = hybrid.topic_distribution(CaseText(e.title, e.text))
            best = max(mixed, key=lambda t: (mixed[t], -TOPICS.index(t)))
            out.append(FoldResult(e.topic, best, round(mixed[best], 3), i))
    return out
