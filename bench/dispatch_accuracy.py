"""Classification quality on real messages: topic accuracy and macro-F1 on the labelled dev
set (rules + model, and the model alone), and how far the confidence can be trusted: the
coverage/accuracy curve and the share the policy's threshold sends to people.

Reads ../shared/data at run time (never copied into the repo). Run:
    .venv/bin/python bench/dispatch_accuracy.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.dispatch.domain import CaseText, RoutingPolicy
from services.dispatch.domain.calibration import coverage_curve
from services.dispatch.domain.hybrid import HybridClassifier
from services.dispatch.domain.textmodel import document


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Macro-F1 over the topics present in the gold labels."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(p == label and g != label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        scores.append(f1)
    return sum(scores) / len(scores)


def main() -> None:
    """Print accuracy, macro-F1, per-topic recall and the confidence curve."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--file", default="messages_labelled_dev.jsonl")
    args = parser.parse_args()
    started = time.perf_counter()
    classifier = HybridClassifier.load()
    threshold = RoutingPolicy.from_file().manual_below_confidence
    print(f"model trained in {time.perf_counter() - started:.2f}s")
    dev = _rows(args.data / args.file)
    results = [classifier.classify(CaseText(r["title"], r["text"])) for r in dev]
    gold = [r["topic"] for r in dev]
    pred = [c.topic for c in results]
    alone = []
    for r in dev:
        probs = classifier.model.topic.proba(document(r["title"], r["text"]))
        alone.append(max(probs, key=probs.__getitem__))
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    acc_alone = sum(g == p for g, p in zip(gold, alone, strict=True)) / len(gold)
    print(f"{args.file}: {len(gold)} messages, {len(set(gold))} topics present")
    print(f"topic accuracy {acc:.3f}  macro-F1 {macro_f1(gold, pred):.3f}")
    print(f"model alone    {acc_alone:.3f}  macro-F1 {macro_f1(gold, alone):.3f}")
    for label, n in Counter(gold).most_common():
        hit = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        print(f"  {label:<10} recall {hit / n:.2f} ({hit}/{n})")
    right = [c.topic == g for c, g in zip(results, gold, strict=True)]
    conf = [c.confidence for c in results]
    on_right = [c for c, ok in zip(conf, right, strict=True) if ok]
    on_wrong = [c for c, ok in zip(conf, right, strict=True) if not ok] or [0.0]
    print(
        f"confidence median: right {statistics.median(on_right):.2f}, "
        f"wrong {statistics.median(on_wrong):.2f}"
    )
    wrong = len(right) - sum(right)
    mean_p = sum(conf) / len(conf)
    print(f"mean calibrated confidence {mean_p:.3f} against observed accuracy {acc:.3f}")
    print("coverage/accuracy curve:")
    curve = coverage_curve(conf, right)
    for point in curve[:: max(1, len(curve) // 12)]:
        print(
            f"  threshold {point.threshold:.3f}: auto {point.coverage:6.1%}, "
            f"accuracy {point.accuracy:.3f}"
        )
    auto = [ok for c, ok in zip(conf, right, strict=True) if c >= threshold]
    manual = len(conf) - len(auto)
    caught = sum(1 for c, ok in zip(conf, right, strict=True) if c < threshold and not ok)
    print(
        f"policy threshold {threshold:.2f}: {manual / len(conf):.1%} to people, "
        f"automatically dispatched {len(auto) / len(conf):.1%} with accuracy "
        f"{sum(auto) / max(len(auto), 1):.3f}; {caught} of {wrong} wrong topics caught"
    )


if __name__ == "__main__":
    main()
