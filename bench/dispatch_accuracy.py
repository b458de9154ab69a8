"""Classification quality on real messages: topic accuracy and macro-F1 on the dev set, and
how predicted difficulty lines up with what can be measured on the unlabelled messages.

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

from services.dispatch.domain import CaseText
from services.dispatch.domain.hybrid import HybridClassifier

# Phrases that say a matter has dragged on; measured, not used as labels.
DRAGGED = ("多年", "多次反映", "反复反映", "一直没有", "至今", "几年")


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
    """Print accuracy, macro-F1, per-topic recall and difficulty evidence."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    classifier = HybridClassifier.load()
    print(f"model trained in {time.perf_counter() - started:.2f}s")
    dev = _rows(args.data / "messages_labelled_dev.jsonl")
    results = [classifier.classify(CaseText(r["title"], r["text"])) for r in dev]
    gold = [r["topic"] for r in dev]
    pred = [c.topic for c in results]
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    print(f"dev set: {len(gold)} messages, {len(set(gold))} topics present")
    print(f"topic accuracy {acc:.3f}  macro-F1 {macro_f1(gold, pred):.3f}")
    for label, n in Counter(gold).most_common():
        hit = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        print(f"  {label:<10} recall {hit / n:.2f} ({hit}/{n})")
    right = [c.confidence for c, g in zip(results, gold, strict=True) if c.topic == g]
    wrong = [c.confidence for c, g in zip(results, gold, strict=True) if c.topic != g]
    print(f"confidence median: right {statistics.median(right):.2f}, ", end="")
    print(f"wrong {statistics.median(wrong):.2f}")
    for threshold in (0.3, 0.35, 0.4, 0.45):
        auto = [(c, g) for c, g in zip(results, gold, strict=True) if c.confidence >= threshold]
        auto_acc = sum(c.topic == g for c, g in auto) / max(len(auto), 1)
        print(
            f"  threshold {threshold:.2f}: {1 - len(auto) / len(gold):.0%} manual, "
            f"auto-dispatched accuracy {auto_acc:.3f}"
        )

    unl = _rows(args.data / "messages_unlabelled.jsonl")
    by_diff: dict[str, list[dict[str, str]]] = {}
    for r in unl:
        c = classifier.classify(CaseText(r["title"], r["text"]))
        by_diff.setdefault(c.difficulty.value, []).append(r)
    print(f"\nunlabelled: {len(unl)} messages (no answer time recorded; proxies below)")
    print("difficulty  share  median chars  mentions drag-on  median likes")
    for name in ("simple", "general", "complex", "legacy"):
        rows = by_diff.get(name, [])
        if not rows:
            continue
        chars = statistics.median(len(r["text"]) for r in rows)
        drag = sum(any(w in r["text"] for w in DRAGGED) for r in rows) / len(rows)
        likes = statistics.median(int(r.get("likes") or 0) for r in rows)
        print(f"{name:<10} {len(rows) / len(unl):6.1%}  {chars:12.0f}  {drag:16.0%}  {likes:12.1f}")


if __name__ == "__main__":
    main()
