"""Rule and lexicon classifier: topic, difficulty, urgency and 重大疑难 of a case.

The lexicon lives in policy/topics.yaml. Keywords are found by forward maximum matching
over the lexicon itself rather than by a general word segmenter: it is fast, needs no
dictionary to load, and every hit is easy to show a dispatcher ("命中 路灯、井盖").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.dispatch.domain.difficulty import DifficultyPolicy, explain_signals
from services.dispatch.domain.model import TOPICS, CaseText, Classification, Difficulty

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "policy" / "topics.yaml"
_SHOWN_TERMS = 5


class LexiconError(ValueError):
    """The lexicon file is malformed."""


@dataclass(frozen=True, slots=True)
class Cues:
    """Words and regular expressions that signal one property of a case."""

    words: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()

    def find(self, text: str) -> list[str]:
        """The cue words and pattern matches found in the text, in lexicon order."""
        found = [w for w in self.words if w in text]
        for pattern in self.patterns:
            if m := pattern.search(text):
                found.append(m.group(0))
        # "路灯不亮" already says "路灯": keep only terms not inside another found term
        return [w for w in found if not any(w != o and w in o for o in found)]


@dataclass(frozen=True, slots=True)
class Scored:
    """One topic's score for a case and the keywords that earned it."""

    topic: str
    score: float
    terms: tuple[str, ...]


class Classifier:
    """Scores a case against each topic's weighted keywords and reads difficulty cues."""

    def __init__(
        self,
        keywords: Mapping[str, Mapping[str, float]],
        *,
        cues: Mapping[str, Cues],
        default_topic: str,
        neutral: Iterable[str] = (),
        title_weight: float = 2.0,
        max_count: int = 3,
        confidence_scale: float = 3.0,
        simple_max_chars: int = 150,
        difficulty_policy: DifficultyPolicy | None = None,
    ):
        self._keywords = {t: dict(k) for t, k in keywords.items()}
        # word -> (topic, weight) for every topic listing it; neutral words only block.
        self._index: dict[str, list[tuple[str, float]]] = {}
        for topic, table in self._keywords.items():
            for word, weight in table.items():
                self._index.setdefault(word, []).append((topic, weight))
        for word in neutral:
            self._index.setdefault(word, [])
        self._order = {word: i for i, word in enumerate(self._index)}
        # first character -> keyword lengths starting with it, longest first
        lengths: dict[str, set[int]] = {}
        for word in self._index:
            lengths.setdefault(word[0], set()).add(len(word))
        self._lengths = {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()}
        self._cues = dict(cues)
        self._default_topic = default_topic
        self._title_weight = title_weight
        self._max_count = max_count
        self._confidence_scale = confidence_scale
        self._simple_max_chars = simple_max_chars
        self.difficulty_policy = difficulty_policy

    @classmethod
    def from_file(cls, path: Path | None = None) -> Classifier:
        """Load a lexicon YAML file (default: policy/topics.yaml)."""
        path = path or DEFAULT_PATH
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise LexiconError(f"{path}: top level must be a mapping")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Classifier:
        """Build a classifier from already-parsed lexicon data."""
        weights = {str(k): float(v) for k, v in _mapping(data, "weights").items()}
        topics = _mapping(data, "topics")
        unknown = set(topics) - set(TOPICS)
        missing = set(TOPICS) - set(topics)
        if unknown or missing:
            raise LexiconError(f"topics: unknown {sorted(unknown)}, missing {sorted(missing)}")
        keywords: dict[str, dict[str, float]] = {}
        for topic, groups in topics.items():
            if not isinstance(groups, dict):
                raise LexiconError(f"topics.{topic}: must map weight names to keyword lists")
            table: dict[str, float] = {}
            for group, words in groups.items():
                if group not in weights:
                    raise LexiconError(f"topics.{topic}: unknown weight '{group}'")
                for word in _words(words, f"topics.{topic}.{group}"):
                    table[word] = max(table.get(word, 0.0), weights[group])
            keywords[topic] = table
        cues = {name: _cues(spec, f"cues.{name}") for name, spec in _mapping(data, "cues").items()}
        for name in ("legacy", "complex", "simple", "urgent", "major"):
            cues.setdefault(name, Cues(()))
        default_topic = str(data.get("default_topic", TOPICS[0]))
        if default_topic not in TOPICS:
            raise LexiconError(f"default_topic: unknown topic '{default_topic}'")
        options = _mapping(data, "scoring") if "scoring" in data else {}
        neutral = _words(data.get("neutral", []) or [], "neutral")
        difficulty = (
            DifficultyPolicy.from_dict(_mapping(data, "difficulty"))
            if "difficulty" in data
            else None
        )
        return cls(
            keywords,
            cues=cues,
            default_topic=default_topic,
            neutral=neutral,
            title_weight=float(options.get("title_weight", 2.0)),
            max_count=int(options.get("max_count", 3)),
            confidence_scale=float(options.get("confidence_scale", 3.0)),
            simple_max_chars=int(options.get("simple_max_chars", 150)),
            difficulty_policy=difficulty,
        )

    def score(self, case: CaseText) -> list[Scored]:
        """Every topic with its score and matched keywords, best first."""
        in_title = set(self._scan(case.title or ""))
        counts: dict[str, int] = {}
        for word in self._scan(case.content or ""):
            counts[word] = counts.get(word, 0) + 1
        totals = dict.fromkeys(self._keywords, 0.0)
        terms: dict[str, list[str]] = {t: [] for t in self._keywords}
        for word in sorted(in_title | counts.keys(), key=self._order.__getitem__):
            hits = min(counts.get(word, 0), self._max_count)
            hits_weight = hits + (self._title_weight if word in in_title else 0.0)
            for topic, weight in self._index[word]:
                totals[topic] += weight * hits_weight
                terms[topic].append(word)
        ranked = [Scored(t, totals[t], tuple(terms[t])) for t in self._keywords]
        ranked.sort(key=lambda s: (-s.score, TOPICS.index(s.topic)))
        return ranked

    def _scan(self, text: str) -> list[str]:
        """Keywords in the text by forward maximum matching.

        Taking the longest keyword at each position and skipping past it keeps a long
        term from also counting the short terms inside it (医疗保险 is not 医疗).
        """
        found, i, n = [], 0, len(text)
        while i < n:
            for length in self._lengths.get(text[i], ()):
                piece = text[i : i + length]
                if piece in self._index:
                    found.append(piece)
                    i += length
                    break
            else:
                i += 1
        return found

    def classify(self, case: CaseText) -> Classification:
        """Classify one case; every decision carries a Chinese reason."""
        ranked = self.score(case)
        best, second = ranked[0], ranked[1]
        reasons: list[str] = []
        if best.score <= 0:
            topic, confidence = self._default_topic, 0.0
            reasons.append(f"主题「{topic}」：未命中任何主题词，按默认主题归类")
        else:
            topic = best.topic
            # The lead over the runner-up says how clear-cut the topic is; the absolute score
            # damps it when the evidence is thin (one weak word is never confident).
            margin = (best.score - second.score) / best.score
            strength = best.score / (best.score + self._confidence_scale)
            confidence = round(math.sqrt(margin) * strength, 3)
            reasons.append(f"主题「{topic}」：命中 {join_terms(best.terms)}")
            if second.score > 0:
                runner_up = join_terms(second.terms)
                reasons.append(
                    f"置信度 {confidence:.2f}：次选「{second.topic}」（命中 {runner_up}）"
                )
            else:
                reasons.append(f"置信度 {confidence:.2f}：无其他主题命中")
        difficulty = self.difficulty(case, reasons)
        urgent, major = self.flags(case, reasons)
        return Classification(
            topic=topic,
            difficulty=difficulty,
            urgent=urgent,
            major=major,
            confidence=confidence,
            reasons=tuple(reasons),
        )

    def cue_difficulty(self, case: CaseText, reasons: list[str]) -> Difficulty | None:
        """Legacy or complex when a cue says so (with its reason), else None."""
        text = f"{case.title}\n{case.content}"
        for name, difficulty in (("legacy", Difficulty.LEGACY), ("complex", Difficulty.COMPLEX)):
            if terms := self._cues[name].find(text):
                reasons.append(f"难度「{difficulty.label}」：命中 {join_terms(terms)}")
                return difficulty
        return None

    def cue_terms(self, case: CaseText, name: str) -> list[str]:
        """The hits of one cue list (legacy, complex, simple, urgent, major) in title and text."""
        return self._cues[name].find(f"{case.title}\n{case.content}")

    def simple_terms(self, case: CaseText) -> list[str] | None:
        """Single-point cues of a short case, or None when the case is too long to be simple."""
        if len(case.content or "") > self._simple_max_chars:
            return None
        return self._cues["simple"].find(f"{case.title}\n{case.content}")

    def flags(self, case: CaseText, reasons: list[str]) -> tuple[bool, bool]:
        """Urgency and 重大疑难 from the intake flag and the cues, with their reasons."""
        text = f"{case.title}\n{case.content}"
        urgent_terms = self._cues["urgent"].find(text)
        if case.urgent:
            reasons.append("紧急：受理时标记为紧急")
        elif urgent_terms:
            reasons.append(f"紧急：命中 {join_terms(urgent_terms)}")
        major_terms = self._cues["major"].find(text)
        if major_terms:
            reasons.append(f"重大疑难：命中 {join_terms(major_terms)}")
        return case.urgent or bool(urgent_terms), bool(major_terms)

    def difficulty(self, case: CaseText, reasons: list[str]) -> Difficulty:
        """Difficulty with its reason: by the lexicon's difficulty policy when it has one."""
        if (policy := self.difficulty_policy) is not None:
            signals = policy.signals(
                case,
                history=self.cue_terms(case, "legacy"),
                joint=self.cue_terms(case, "complex"),
                single_point=self.cue_terms(case, "simple"),
            )
            difficulty, points = policy.decide(signals)
            reasons.append(
                f"难度「{difficulty.label}」：{explain_signals(signals)}，合计 {points:+d}"
            )
            return difficulty
        # A lexicon without a difficulty section: the cues alone decide.
        text = f"{case.title}\n{case.content}"
        if (by_cue := self.cue_difficulty(case, reasons)) is not None:
            return by_cue
        simple = self._cues["simple"].find(text)
        if simple and len(case.content or "") <= self._simple_max_chars:
            reasons.append(
                f"难度「{Difficulty.SIMPLE.label}」：单一事项，命中 {join_terms(simple)}"
            )
            return Difficulty.SIMPLE
        if simple:
            reasons.append(
                f"难度「{Difficulty.GENERAL.label}」：命中 {join_terms(simple)}，"
                f"但描述较长，按一般事项处理"
            )
        else:
            reasons.append(
                f"难度「{Difficulty.GENERAL.label}」：未命中特定难度线索，按一般事项处理"
            )
        return Difficulty.GENERAL


def join_terms(terms: Iterable[str]) -> str:
    unique = list(dict.fromkeys(terms))
    shown = "、".join(unique[:_SHOWN_TERMS])
    return shown + (" 等" if len(unique) > _SHOWN_TERMS else "")


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise LexiconError(f"'{key}' must be a mapping")
    return value


def _words(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
        raise LexiconError(f"{where}: must be a list of non-empty strings")
    return tuple(value)


def _cues(spec: object, where: str) -> Cues:
    if isinstance(spec, list):
        return Cues(_words(spec, where))
    if not isinstance(spec, dict):
        raise LexiconError(f"{where}: must be a list or a mapping with words/patterns")
    try:
        patterns = tuple(re.compile(p) for p in _words(spec.get("patterns", []) or [], where))
    except re.error as exc:
        raise LexiconError(f"{where}: bad pattern: {exc}") from exc
    return Cues(_words(spec.get("words", []) or [], where), patterns)
