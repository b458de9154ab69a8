"""The centre's labelled history as training examples (pure: rows in, examples out).

Two sources: dispatchers' corrections of the model (dispatch keeps them), and closed cases
with their final topic and difficulty (the desk's record). A correction is a person's
judgement, so it wins over the same case's final label; texts are scrubbed of phone numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.common.pii import scrub
from services.dispatch.domain.model import TOPICS, Difficulty
from services.dispatch.domain.textmodel import Example

CORRECTION = "correction"
CLOSED = "closed"
CORPUS = "corpus"


@dataclass(frozen=True, slots=True)
class Labelled:
    """One training example and where it came from (a case number for the centre's)."""

    example: Example
    source: str
    case_no: str = ""


def _example(row: Mapping[str, Any]) -> Example | None:
    topic, difficulty = row.get("topic"), row.get("difficulty")
    content = " ".join(str(row.get("content") or "").split())
    if topic not in TOPICS or not content:
        return None
    try:
        level = Difficulty(str(difficulty))
    except ValueError:
        level = Difficulty.GENERAL
    title = " ".join(str(row.get("title") or "").split())
    return Example(scrub(title), scrub(content), str(topic), level)


def centre_examples(
    corrections: Iterable[Mapping[str, Any]], closed: Iterable[Mapping[str, Any]]
) -> list[Labelled]:
    """Corrections first (the latest label per case), then closed cases not corrected."""
    out: dict[str, Labelled] = {}
    for source, rows in ((CORRECTION, corrections), (CLOSED, closed)):
        for row in rows:
            case_no = str(row.get("case_no") or "")
            if not case_no or (source == CLOSED and case_no in out):
                continue
            example = _example(row)
            if example is not None:
                out[case_no] = Labelled(example, source, case_no)
    return list(out.values())


def corpus_examples(examples: Iterable[Example]) -> list[Labelled]:
    """The shipped corpus, labelled as such."""
    return [Labelled(e, CORPUS) for e in examples]


def data_hash(items: Sequence[Labelled]) -> str:
    """SHA-256 over the training data in a fixed order: same data, same hash."""
    lines = sorted(
        json.dumps(
            [
                i.source,
                i.case_no,
                i.example.topic,
                i.example.difficulty.value,
                i.example.title,
                i.example.text,
            ],
            ensure_ascii=False,
        )
        for i in items
    )
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def counts(items: Iterable[Labelled]) -> dict[str, int]:
    """How many examples each source gave."""
    return dict(Counter(i.source for i in items))
