"""Classify JSON lines from a file (or stdin) on the service's own code path.

    python -m services.dispatch.cli FILE.jsonl   # or: make -s classify IN=FILE.jsonl

Each input line has `title` and `text` (`content`, `address`, `grid_code`, `urgent` also
read); each output line has topic, difficulty, confidence, tier, explanation and the unit.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from services.dispatch.domain import CaseText, Directory, RoutingPolicy, explain, route
from services.dispatch.domain.hybrid import HybridClassifier
from services.dispatch.settings import DispatchSettings


def classify_lines(
    lines: Iterable[str],
    classifier: HybridClassifier,
    directory: Directory,
    policy: RoutingPolicy,
) -> Iterator[dict[str, Any]]:
    """One result per non-empty input line, in order; a bad line yields an error entry."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            case = CaseText(
                title=str(item.get("title") or ""),
                content=str(item.get("text") or item.get("content") or ""),
                address=item.get("address") or None,
                grid_code=item.get("grid_code") or None,
                urgent=bool(item.get("urgent", False)),
            )
        except (ValueError, AttributeError) as exc:
            yield {"line": n, "error": f"not a JSON object with title and text: {exc}"}
            continue
        result = classifier.classify(case)
        assignment = route(result, case, directory, policy)
        yield {
            "topic": result.topic,
            "difficulty": result.difficulty.value,
            "confidence": result.confidence,
            "tier": assignment.tier.value,
            "explanation": explain(result, assignment),
            "unit_id": assignment.unit_id,
            "unit_name": assignment.unit_name,
            "manual": assignment.manual,
            "urgent": result.urgent,
            "major": result.major,
        }


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Entry point; the policy files are the ones the service would load."""
    parser = argparse.ArgumentParser(description="classify JSON lines like the service does")
    parser.add_argument("input", nargs="?", default="-", help="JSON lines file, - for stdin")
    args = parser.parse_args(argv)
    own = DispatchSettings()
    classifier = HybridClassifier.load(own.lexicon_file)
    directory = Directory.from_file(own.directory_file)
    policy = RoutingPolicy.from_file(own.routing_file)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")  # noqa: SIM115
    with source:
        for result in classify_lines(source, classifier, directory, policy):
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
