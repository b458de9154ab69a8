"""Cross-validation on the project's own corpus: how well the model and the rule mix carry
over to held-out corpus cases, for a few settings of the rule weight and the model's alpha.

Reads only services/dispatch/model/corpus_*.tsv, so tuning here never looks at real messages.
Run:
    .venv/bin/python bench/dispatch_corpus_cv.py [--folds 5] [--weights 0.5 0.6] [--alphas 1e-4]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.dispatch.domain import CaseText
from services.dispatch.domain.classify import Classifier
from services.dispatch.domain.hybrid import RULE_WEIGHT, HybridClassifier
from services.dispatch.domain.textmodel import (
    Example,
    LinearModel,
    TextModel,
    document,
    load_corpus,
)


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Macro-F1 over the labels present in the gold list."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        wrong = sum((g == label) != (p == label) for g, p in zip(gold, pred, strict=True))
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return sum(scores) / len(scores)


def folds(examples: list[Example], k: int, seed: int) -> list[list[int]]:
    """Stratified fold indices: each topic spread evenly over the k folds."""
    by_topic: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_topic[e.topic].append(i)
    out: list[list[int]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for topic in sorted(by_topic):
        idx = by_topic[topic]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[j % k].append(i)
    return out


def main() -> None:
    """Print held-out topic accuracy and macro-F1 (model alone, rules + model) per setting."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", type=float, nargs="+", default=[RULE_WEIGHT])
    parser.add_argument("--alphas", type=float, nargs="+", default=[1e-4])
    args = parser.parse_args()
    examples = load_corpus()
    rules = Classifier.from_file()
    parts = folds(examples, args.folds, args.seed)
    print(f"corpus: {len(examples)} cases, {args.folds}-fold, seed {args.seed}")
    for alpha in args.alphas:
        gold: list[str] = []
        model_pred: list[str] = []
        mixed_pred: dict[float, list[str]] = {w: [] for w in args.weights}
        fit_seconds = 0.0
        for held in parts:
            held_set = set(held)
            train = [e for i, e in enumerate(examples) if i not in held_set]
            started = time.process_time()
            docs = [document(e.title, e.text) for e in train]
            topic = LinearModel.fit(docs, [e.topic for e in train], alpha=alpha)
            fit_seconds += time.process_time() - started
            model = TextModel(topic=topic, difficulty=topic, size=len(train))
            for i in held:
                e = examples[i]
                gold.append(e.topic)
                probs = topic.proba(document(e.title, e.text))
                model_pred.append(max(probs, key=probs.__getitem__))
                for w in args.weights:
                    hybrid = HybridClassifier(rules, model, rule_weight=w)
                    mixed, _, _, _ = hybrid.topic_distribution(CaseText(e.title, e.text))
                    mixed_pred[w].append(max(mixed, key=mixed.__getitem__))
        acc = sum(g == p for g, p in zip(gold, model_pred, strict=True)) / len(gold)
        print(
            f"alpha {alpha:g}: model alone acc {acc:.3f} macro-F1 {macro_f1(gold, model_pred):.3f}"
            f"  (topic fit {fit_seconds / args.folds:.2f} CPU-s per fold)"
        )
        for w, pred in mixed_pred.items():
            acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
            print(f"  rule weight {w:.2f}: acc {acc:.3f} macro-F1 {macro_f1(gold, pred):.3f}")


if __name__ == "__main__":
    main()
