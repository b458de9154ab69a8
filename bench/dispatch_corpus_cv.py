"""Cross-validation on the project's own corpus: how well the model and the rule mix carry
over to held-out corpus cases, and the calibration and coverage/accuracy curve that set the
confidence a dispatcher sees and the manual-queue threshold.

Reads only services/dispatch/model/corpus_*.tsv and the lexicon, so choices made here never
look at real messages. Run:
    .venv/bin/python bench/dispatch_corpus_cv.py [--folds 5] [--weights 0.6 0.7 0.8]
    .venv/bin/python bench/dispatch_corpus_cv.py --write-calibration  # refit the calibration file
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.dispatch.domain.calibration import (
    DEFAULT_PATH,
    Calibration,
    choose_threshold,
    choose_threshold_by_cost,
    coverage_curve,
)
from services.dispatch.domain.classify import Classifier
from services.dispatch.domain.hybrid import RULE_WEIGHT, out_of_fold, shipped_fingerprint
from services.dispatch.domain.routing import DEFAULT_PATH as ROUTING_PATH
from services.dispatch.domain.textmodel import load_corpus

TARGET_ACCURACY = 0.95  # shown beside the policy's choice: the threshold a 95 % goal needs


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Macro-F1 over the labels present in the gold list."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        wrong = sum((g == label) != (p == label) for g, p in zip(gold, pred, strict=True))
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return sum(scores) / len(scores)


def main() -> None:
    """Print held-out accuracy and macro-F1 per setting, then calibration and the curve."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", type=float, nargs="+", default=[RULE_WEIGHT])
    parser.add_argument("--write-calibration", action="store_true")
    args = parser.parse_args()
    examples = load_corpus()
    rules = Classifier.from_file()
    print(f"corpus: {len(examples)} cases, {args.folds}-fold, seed {args.seed}")
    started = time.process_time()
    # the model alone is the mix with no weight on the rules
    for w in dict.fromkeys([0.0, *args.weights]):
        res = out_of_fold(rules, examples, folds=args.folds, seed=args.seed, rule_weight=w)
        gold = [r.gold for r in res]
        pred = [r.predicted for r in res]
        acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
        name = "model alone" if w == 0 else f"rule weight {w:.2f}"
        print(f"  {name:<17} acc {acc:.3f} macro-F1 {macro_f1(gold, pred):.3f}")
    print(f"  ({time.process_time() - started:.1f} CPU-s)")

    res = out_of_fold(rules, examples, folds=args.folds, seed=args.seed)
    shares = [r.share for r in res]
    right = [r.gold == r.predicted for r in res]
    calibration = Calibration.fit(shares, right, fingerprint=shipped_fingerprint())
    print(
        f"\nPlatt calibration on the folds: slope {calibration.slope:.3f}, "
        f"intercept {calibration.intercept:.3f}"
    )
    probs = [calibration.probability(s) for s in shares]
    print("calibrated p   cases  observed accuracy")
    for lo, hi in ((0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01)):
        bucket = [ok for p, ok in zip(probs, right, strict=True) if lo <= p < hi]
        if bucket:
            print(
                f"  {lo:.2f}-{min(hi, 1):.2f}  {len(bucket):6d}  {sum(bucket) / len(bucket):.3f}"
                f"  (mean p {sum(p for p in probs if lo <= p < hi) / len(bucket):.3f})"
            )
    print("\ncoverage/accuracy curve (calibrated confidence):")
    curve = coverage_curve(probs, right)
    for point in curve[:: max(1, len(curve) // 15)]:
        print(
            f"  threshold {point.threshold:.3f}: auto {point.coverage:6.1%}, "
            f"accuracy {point.accuracy:.3f}"
        )
    chosen = choose_threshold(probs, right, target_accuracy=TARGET_ACCURACY)
    print(
        f"lowest threshold whose automatic share is {TARGET_ACCURACY:.2f} right: "
        f"{chosen.threshold:.3f} (auto {chosen.coverage:.1%}, accuracy {chosen.accuracy:.3f})"
    )
    routing = yaml.safe_load(ROUTING_PATH.read_text(encoding="utf-8"))
    cost = float(routing["manual_misroute_cost"])
    best = choose_threshold_by_cost(probs, right, misroute_cost=cost)
    print(
        f"threshold doing most good at misroute cost {cost:g}: {best.threshold:.3f} "
        f"(auto {best.coverage:.1%}, accuracy {best.accuracy:.3f}); "
        f"routing.yaml has {routing['manual_below_confidence']:.2f}"
    )
    if args.write_calibration:
        header = (
            "# Written by bench/dispatch_corpus_cv.py --write-calibration: Platt scaling of the\n"
            "# rules+model top share on out-of-fold corpus predictions. Refit after changing the\n"
            "# corpus, the lexicon or the model settings (a unit test checks the fingerprint).\n"
        )
        text = header + yaml.safe_dump(calibration.to_dict(), sort_keys=False)
        DEFAULT_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {DEFAULT_PATH}")


if __name__ == "__main__":
    main()
