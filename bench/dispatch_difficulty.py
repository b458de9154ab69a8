"""Difficulty against real handling time: how well predicted simple → general → complex →
legacy ranks the days the platform took to reply, on real messages with their replies.

Reads ../shared/data/replies_dev.jsonl at run time (never copied into the repo). Prints the
Spearman correlation of the class with days-to-reply (also on each half of the file, to
show it is not one lucky split), the median days per class and, per policy signal, the
correlation of that signal alone. Run:
    .venv/bin/python bench/dispatch_difficulty.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.dispatch.domain import CaseText, Difficulty
from services.dispatch.domain.hybrid import HybridClassifier

RANK = {d: i for i, d in enumerate(Difficulty)}  # simple, general, complex, legacy


def main() -> None:
    """Print ρ, median days per class and each signal's own ρ."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--file", default="replies_dev.jsonl")
    args = parser.parse_args()
    classifier = HybridClassifier.load()
    policy = classifier.difficulty_policy
    with (args.data / args.file).open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    cases = [CaseText(r["title"], r["text"]) for r in rows]
    days = [float(r["days_to_reply"]) for r in rows]
    results = [classifier.classify(c) for c in cases]
    ranks = [RANK[c.difficulty] for c in results]
    rho = spearmanr(ranks, days)[0]
    even = spearmanr(ranks[0::2], days[0::2])[0]
    odd = spearmanr(ranks[1::2], days[1::2])[0]
    print(f"{args.file}: {len(rows)} messages, median {statistics.median(days):.1f} days")
    print(f"Spearman rho (class vs days-to-reply) {rho:.3f}   halves: {even:.3f} / {odd:.3f}")
    print("difficulty  share   median days   mean days")
    for d in Difficulty:
        got = [x for x, c in zip(days, results, strict=True) if c.difficulty is d]
        if got:
            print(
                f"{d.value:<10} {len(got) / len(rows):6.1%}  {statistics.median(got):11.1f}"
                f"  {statistics.mean(got):10.1f}"
            )
    print("signal        cases  rho of the signal alone")
    found = [
        policy.signals(
            c,
            history=classifier.rules.cue_terms(c, "legacy"),
            joint=classifier.rules.cue_terms(c, "complex"),
            single_point=classifier.rules.cue_terms(c, "simple"),
        )
        for c in cases
    ]
    for name in (
        "consultation",
        "short",
        "single_point",
        "long",
        "matters",
        "departments",
        "joint",
        "history",
    ):
        values = [sum(s.points for s in f if s.name == name) for f in found]
        n = sum(1 for v in values if v)
        if n:
            print(f"  {name:<12} {n:5d}  {spearmanr(values, days)[0]:+.3f}")
    points = [sum(s.points for s in f) for f in found]
    print(f"  {'all points':<12} {len(points):5d}  {spearmanr(points, days)[0]:+.3f}")


if __name__ == "__main__":
    main()
