"""Train a version: the shipped corpus plus the centre's history, cross-validated first.

The figures are those of the classifier dispatch runs (rules and model mixed), each case
judged by a model that never saw it (5 folds), overall and on the centre's own cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.dispatch.domain.classify import Classifier
from services.dispatch.domain.hybrid import FoldResult, model_settings, out_of_fold
from services.dispatch.domain.textmodel import TextModel
from services.dispatch.learning.history import CORPUS, Labelled, counts, data_hash

FOLDS = 5


def scores(results: Sequence[FoldResult]) -> dict[str, float]:
    """Accuracy and macro-F1 of out-of-fold results (0 for none)."""
    if not results:
        return {"cases": 0, "accuracy": 0.0, "macro_f1": 0.0}
    gold = [r.gold for r in results]
    got = [r.predicted for r in results]
    labels = sorted(set(gold))
    f1s = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, got, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, got, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, got, strict=True) if g == label != p)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    accuracy = sum(g == p for g, p in zip(gold, got, strict=True)) / len(gold)
    return {
        "cases": len(gold),
        "accuracy": round(accuracy, 4),
        "macro_f1": round(sum(f1s) / len(f1s), 4),
    }


def train(rules: Classifier, items: Sequence[Labelled]) -> tuple[TextModel, dict[str, Any]]:
    """The model fitted on every item, and the metadata a version file keeps."""
    examples = [i.example for i in items]
    results = out_of_fold(rules, examples, folds=FOLDS)
    centre = [r for r in results if items[r.index].source != CORPUS]
    model = TextModel.train(examples)
    meta = {
        "data_sha256": data_hash(items),
        "examples": counts(items),
        "settings": model_settings(),
        "cross_validation": {
            "folds": FOLDS,
            "all": scores(results),
            "centre": scores(centre),
        },
        "centre_cases": sorted(i.case_no for i in items if i.case_no),
    }
    return model, meta
