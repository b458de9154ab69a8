"""Repeat calls (重复件): is a new call from a caller about a matter they already reported?

Only the same caller counts (the same number, compared by its blind index): similar cases
from different callers are dispatch's hotspot logic. "The same matter" means the texts say
nearly the same thing (character-bigram Dice similarity over normalised title + content) and
the place agrees: the same grid, the same normalised address, or, when either call gave no
place, a higher text threshold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

REPEAT_WINDOW = timedelta(days=7)
# Same place: the wording may differ more (a second call retells the story).
SIMILAR_SAME_PLACE = 0.25
# Place unknown on one side: only near-identical wording counts.
SIMILAR_NO_PLACE = 0.5
_NOISE = re.compile(r"[\W_]+", re.UNICODE)
# Fillers callers say on every call; they make unrelated calls look alike.
_FILLERS = ("请尽快处理", "请尽快", "希望", "麻烦", "谢谢", "你好", "您好", "请问", "反映")


@dataclass(frozen=True, kw_only=True)
class Matter:
    """What a call is about, as far as repeat detection needs it."""

    # The blind index of the caller's number (pii.Sealer.index): equal numbers, equal refs.
    caller_ref: str | None
    title: str | None
    content: str
    address: str | None
    grid_code: str | None
    received_at: datetime


@dataclass(frozen=True, kw_only=True)
class OpenCase(Matter):
    """A case already on record that a new call might repeat."""

    case_no: str


def normalise(text: str | None) -> str:
    """Full-width to half-width, lower case, no punctuation, spaces or filler phrases."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    for filler in _FILLERS:
        folded = folded.replace(filler, "")
    return _NOISE.sub("", folded)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams of two normalised texts, 0..1."""
    return _dice(normalise(a), normalise(b))


def matter_text(m: Matter, places: tuple[str | None, ...] = ()) -> str:
    """Normalised title and content without the places: a shared street name is no matter."""
    text = normalise(f"{m.title or ''}{m.content}")
    for place in sorted({normalise(p) for p in (m.address, *places)}, key=len, reverse=True):
        if len(place) > 1:
            text = text.replace(place, "")
    return text


def text_similarity(a: Matter, b: Matter) -> float:
    """How alike two calls' words are once both calls' places are taken out, 0..1."""
    places = (a.address, b.address)
    return _dice(matter_text(a, places), matter_text(b, places))


def _dice(na: str, nb: str) -> float:
    if not na or not nb:
        return 0.0
    ga, gb = _bigrams(na), _bigrams(nb)
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def _place(m: Matter) -> tuple[str, str]:
    return (normalise(m.grid_code), normalise(m.address))


def same_place(a: Matter, b: Matter) -> bool | None:
    """True/False when both calls name a place; None when either names none."""
    (ga, aa), (gb, ab) = _place(a), _place(b)
    if ga and gb:
        return ga == gb
    if aa and ab:
        # "柳岸路" and "柳岸路柳岸花园门口" are the same place told with more or less detail.
        return aa in ab or ab in aa or similarity(aa, ab) >= 0.6
    return None


def same_matter(new: Matter, old: Matter) -> bool:
    """True when new is the same caller telling the same matter as old, within the window."""
    if not new.caller_ref or new.caller_ref != old.caller_ref:
        return False
    if not timedelta(0) <= new.received_at - old.received_at <= REPEAT_WINDOW:
        return False
    place = same_place(new, old)
    if place is False:
        return False
    text = text_similarity(new, old)
    return text >= (SIMILAR_SAME_PLACE if place else SIMILAR_NO_PLACE)


def find_repeat(new: Matter, open_cases: Iterable[OpenCase]) -> OpenCase | None:
    """The most similar open case new repeats, or None (then it is a new work order)."""
    best: tuple[float, OpenCase] | None = None
    for old in open_cases:
        if not same_matter(new, old):
            continue
        score = text_similarity(new, old)
        if best is None or score > best[0]:
            best = (score, old)
    return best[1] if best else None
