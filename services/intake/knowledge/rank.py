"""Ranking knowledge entries against a caller's words: jieba tokens and Okapi BM25. Pure.

Title and keywords weigh more than the body (they are repeated into the indexed text).
Only entries valid on the day are ranked. No BM25 library is installed, so the formula is
computed here (Robertson–Spärck Jones idf with the usual +1 smoothing, k1 = 1.5, b = 0.75).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import jieba

jieba.setLogLevel(logging.WARNING)

K1 = 1.5
B = 0.75
TITLE_WEIGHT = 3
KEYWORD_WEIGHT = 2
# Words of any call that say nothing about the matter.
_STOP = """
    我们 你们 他们 这个 那个 什么 怎么 怎样 如何 请问 一下 可以 能否 是否 需要 现在 已经
    还是 或者 以及 但是 因为 所以 如果 没有 不是 就是 这样 那样 一直 问题 情况 反映 咨询
    希望 相关 部门 有关 进行 处理 解决 帮忙 您好 你好 谢谢 感谢 市民 来电 来电人 本人
    自己 时候 目前 知道 觉得 应该 一个 多少 哪里 哪些 为什么 这里 那里 还有 之后 之前
"""
STOPWORDS = frozenset(_STOP.split())
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def tokens(text: str) -> list[str]:
    """Search tokens of a text: jieba's search segmentation, stopwords and one-char words out."""
    out = []
    for word in jieba.cut_for_search(text or ""):
        word = word.strip().lower()
        if len(word) < 2 or word in STOPWORDS or not _WORDLIKE.search(word):
            continue
        out.append(word)
    return out


@dataclass(frozen=True)
class Entry:
    """What ranking needs of a knowledge entry."""

    entry_id: int
    title: str
    body: str
    topic: str
    keywords: str = ""
    source_unit_id: str = ""
    valid_from: date | None = None
    valid_until: date | None = None

    def valid_on(self, day: date) -> bool:
        """In force on the day: from valid_from, through valid_until (both included)."""
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)

    def indexed(self) -> list[str]:
        """The tokens indexed for the entry (title and keywords weighted by repetition)."""
        return (
            tokens(self.title) * TITLE_WEIGHT
            + tokens(self.keywords.replace(",", " ").replace("，", " ")) * KEYWORD_WEIGHT
            + tokens(self.body)
        )


@dataclass(frozen=True)
class Match:
    """One suggested entry, its score and the words of the query it matched."""

    entry: Entry
    score: float
    matched: tuple[str, ...]


class Index:
    """A BM25 index over a set of entries (built once per set, queried per keystroke)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        self.docs = [Counter(e.indexed()) for e in self.entries]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}

    def rank(self, text: str, *, day: date, limit: int = 3, min_score: float = 0.0) -> list[Match]:
        """The best entries valid on the day for the text, best first."""
        query = list(dict.fromkeys(tokens(text)))
        out = []
        for i, entry in enumerate(self.entries):
            if not entry.valid_on(day):
                continue
            doc, length = self.docs[i], self.lengths[i]
            score, matched = 0.0, []
            for word in query:
                tf = doc.get(word, 0)
                if not tf:
                    continue
                norm = tf + K1 * (1 - B + B * length / (self.avg or 1))
                score += self.idf[word] * tf * (K1 + 1) / norm
                matched.append(word)
            if score > min_score:
                out.append(Match(entry, round(score, 3), tuple(matched)))
        out.sort(key=lambda m: (-m.score, m.entry.entry_id))
        return out[:limit]


def suggest(text: str, entries: Sequence[Entry], *, day: date, limit: int = 3) -> list[Match]:
    """Convenience: rank entries for a text without keeping the index."""
    return Index(entries).rank(text, day=day, limit=limit)
