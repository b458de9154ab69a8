"""Rules and model together: the classification dispatch, the API and the CLI all use.

The lexicon is precise where it hits and says why; the n-gram model covers wording the
lexicon never listed. Topic = argmax of a weighted mix of the two distributions; the mix's
top share is the confidence a dispatcher sees and the manual-queue threshold reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from services.dispatch.domain.classify import Classifier, join_terms
from services.dispatch.domain.model import TOPICS, CaseText, Classification, Difficulty
from services.dispatch.domain.textmodel import TextModel, document

# Weight of the rules in the mix; the model gets the rest. 5-fold cross-validation on the
# own corpus (bench/dispatch_corpus_cv.py) is nearly flat from 0.5 to 0.7 and best at 0.7
# (accuracy 0.920); the model has only seen our own writing, so the rules lead.
RULE_WEIGHT = 0.7
# Rule score mass that counts as "no evidence": share = score / (total + this).
EVIDENCE_DAMPING = 3.0
# The model may call a case legacy/complex without a cue only when it is this sure.
MODEL_HARD_MIN = 0.55
# A written account longer than this is never a single-point "立即办" matter.
SIMPLE_MAX_CHARS = 150
# Long, detailed accounts are rarely simple; past this they are at least general.
LONG_CHARS = 400


@dataclass(frozen=True)
class HybridClassifier:
    """Classifies a case with the lexicon rules and the corpus model, explaining both."""

    rules: Classifier
    model: TextModel
    rule_weight: float = RULE_WEIGHT

    @classmethod
    def load(
        cls, lexicon_file: Path | None = None, corpus_files: Iterable[Path] | None = None
    ) -> HybridClassifier:
        """The lexicon from its policy file and a model trained on the corpus (about 1 s)."""
        return cls(Classifier.from_file(lexicon_file), TextModel.from_corpus(corpus_files))

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
        confidence = round(mixed[topic], 3)
        rule_part = f"规则命中 {join_terms(terms)}" if terms else "规则未命中主题词"
        reasons = [
            f"主题「{topic}」：{rule_part}；模型判为「{model_top}」（概率 {model_p:.2f}）",
            f"置信度 {confidence:.2f}（规则占 {self.rule_weight:.0%}、模型占 "
            f"{1 - self.rule_weight:.0%}）；次选「{second}」（{mixed[second]:.2f}）",
        ]
        difficulty = self._difficulty(case, reasons)
        urgent, major = self.rules.flags(case, reasons)
        return Classification(
            topic=topic,
            difficulty=difficulty,
            urgent=urgent,
            major=major,
            confidence=confidence,
            reasons=tuple(reasons),
        )

    def _difficulty(self, case: CaseText, reasons: list[str]) -> Difficulty:
        if (by_cue := self.rules.cue_difficulty(case, reasons)) is not None:
            return by_cue
        doc = document(case.title or "", case.content or "")
        probs = self.model.difficulty.proba(doc)
        hard = max((Difficulty.LEGACY, Difficulty.COMPLEX), key=lambda d: probs.get(d.value, 0))
        if probs.get(hard.value, 0.0) >= MODEL_HARD_MIN:
            reasons.append(f"难度「{hard.label}」：模型判断（概率 {probs[hard.value]:.2f}）")
            return hard
        length = len(case.content or "")
        simple = self.rules.simple_terms(case)
        if simple and length <= SIMPLE_MAX_CHARS:
            reasons.append(
                f"难度「{Difficulty.SIMPLE.label}」：单一事项，命中 {join_terms(simple)}"
            )
            return Difficulty.SIMPLE
        p_simple = probs.get(Difficulty.SIMPLE.value, 0.0)
        if length <= SIMPLE_MAX_CHARS and p_simple >= max(probs.values()):
            reasons.append(
                f"难度「{Difficulty.SIMPLE.label}」：描述简短，模型判断（概率 {p_simple:.2f}）"
            )
            return Difficulty.SIMPLE
        why = f"描述较长（{length} 字）" if length > LONG_CHARS else "需协调处理"
        reasons.append(f"难度「{Difficulty.GENERAL.label}」：{why}，未命中复杂或历史遗留线索")
        return Difficulty.GENERAL
