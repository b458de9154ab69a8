"""Real citizen messages for the load: the shared data set when present, else the corpus."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "messages_unlabelled.jsonl"
CORPUS = ROOT / "services" / "dispatch" / "model"
DIRECTORY = ROOT / "services" / "common" / "jurisdiction" / "directory.yaml"


@dataclass(frozen=True)
class Message:
    """One citizen message: what a case body is made of."""

    title: str
    text: str


def load(path: Path | None = None) -> tuple[str, list[Message]]:
    """(where they came from, the messages), shuffled with a fixed seed."""
    source = path or SHARED
    out: list[Message] = []
    if source.exists():
        with source.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                text = str(row.get("text") or "").strip()
                if len(text) >= 5:
                    out.append(Message(str(row.get("title") or "")[:200], text[:4000]))
    else:
        source = CORPUS
        for tsv in sorted(CORPUS.glob("corpus_*.tsv")):
            with tsv.open(encoding="utf-8", newline="") as fh:
                for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                    if len(row) == 4 and len(row[3]) >= 5:
                        out.append(Message(row[2][:200], row[3][:4000]))
    random.Random(12345).shuffle(out)
    return str(source), out


def grid_codes() -> list[str]:
    """Every grid code of the jurisdiction directory (each case is placed by one)."""
    import yaml

    data = yaml.safe_load(DIRECTORY.read_text(encoding="utf-8"))
    codes: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            code = node.get("code")
            if isinstance(code, str) and code.startswith("G-"):
                codes.append(code)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return sorted(set(codes))
