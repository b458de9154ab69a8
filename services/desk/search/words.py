"""Chinese words for full-text search: jieba's search segmentation into a `simple` tsvector.

Documents and queries go through the same cut, so a query word matches wherever jieba
found it in a title or content; single characters and punctuation are left out (they
match almost everything and make indexes slow).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]{2,}")


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def words(text: str) -> list[str]:
    """The distinct search words of a text, in first-seen order."""
    seen: dict[str, None] = {}
    for word in _tokenizer().cut_for_search(text or ""):
        word = word.strip().lower()
        if _KEEP.fullmatch(word):
            seen.setdefault(word, None)
    return list(seen)


def search_words(text: str) -> str:
    """The words of a text joined by spaces, as stored in the tsvector column."""
    return " ".join(words(text))


def query_words(text: str) -> list[str]:
    """The words a query must all match; a query of one character keeps that character."""
    found = words(text)
    if found:
        return found
    stripped = text.strip()
    return [stripped.lower()] if stripped else []
