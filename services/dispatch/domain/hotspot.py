"""Hotspots and surges: link similar recent cases, turn a cluster into one batch matter.

Similar = same topic, same or nearby grid, and character-bigram cosine of the texts at or
above a threshold. Pure functions over plain records; the store supplies the candidates.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.dispatch.domain.model import Difficulty

# The line of a verdict's reasons that names the batch; batch_handling completes it with
# what the batch does to the case's difficulty.
BATCH = "批量诉求："
# What a batch makes of each difficulty, and the words that say so.
BATCH_HANDLING = {
    Difficulty.SIMPLE: (Difficulty.SIMPLE, "单点小事重复反映，关联但不升级难度"),
    Difficulty.GENERAL: (Difficulty.COMPLEX, "升级为复杂事项联动办理"),
    Difficulty.COMPLEX: (Difficulty.COMPLEX, "已是复杂事项，联动办理"),
    Difficulty.LEGACY: (Difficulty.LEGACY, "历史遗留事项，关联办理，难度不变"),
}


class HotspotPolicyError(ValueError):
    """The hotspot section of the handling policy is malformed."""


@dataclass(frozen=True, slots=True)
class HotspotPolicy:
    """When cases are linked, when a cluster is a batch matter, whether surge mode is on."""

    window: timedelta = timedelta(hours=72)
    min_similarity: float = 0.35
    nearby: str = "village"
    batch_threshold: int = 3
    max_candidates: int = 200
    max_links: int = 10
    surge: bool = False
    surge_similarity: float = 0.3

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HotspotPolicy:
        """Read the `hotspots` and `surge` sections of policy/handling.yaml."""
        hot = data.get("hotspots") or {}
        surge = data.get("surge") or {}
        if not isinstance(hot, dict) or not isinstance(surge, dict):
            raise HotspotPolicyError("'hotspots' and 'surge' must be mappings")
        try:
            policy = cls(
                window=timedelta(hours=float(hot.get("window_hours", 72))),
                min_similarity=float(hot.get("min_similarity", 0.35)),
                nearby=str(hot.get("nearby", "village")),
                batch_threshold=int(hot.get("batch_threshold", 3)),
                max_candidates=int(hot.get("max_candidates", 200)),
                max_links=int(hot.get("max_links", 10)),
                surge=bool(surge.get("enabled", False)),
                surge_similarity=float(surge.get("min_similarity", 0.3)),
            )
        except (TypeError, ValueError) as exc:
            raise HotspotPolicyError(f"hotspots: {exc}") from exc
        if policy.nearby not in ("grid", "village") or policy.batch_threshold < 2:
            raise HotspotPolicyError("hotspots: nearby is grid|village, batch_threshold >= 2")
        return policy


@dataclass(frozen=True, slots=True)
class Recent:
    """A recently dispatched case, as far as hotspot detection needs it."""

    case_no: str
    topic: str
    grid_code: str | None
    text: str
    received_at: datetime
    parent_case_no: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A similar earlier case and why it counts as the same matter."""

    case_no: str
    similarity: float
    reason: str


@dataclass(frozen=True, slots=True)
class HotspotVerdict:
    """Links of a new case, and whether it is part of a batch matter or a surge."""

    links: tuple[Link, ...]
    parent_case_no: str | None
    batch: bool
    merged: bool
    reasons: tuple[str, ...]


@functools.lru_cache(maxsize=4096)
def bigrams(text: str) -> dict[str, int]:
    """Character bigram counts of a text without punctuation; cached, as the same recent
    cases are compared again and again (callers must not modify the result)."""
    chars = [c for c in text if c.isalnum()]
    counts: dict[str, int] = {}
    for a, b in itertools.pairwise(chars):
        gram = a + b
        counts[gram] = counts.get(gram, 0) + 1
    return counts


def cosine(a: Mapping[str, int], b: Mapping[str, int]) -> float:
    """Cosine similarity of two count vectors."""
    dot = sum(a[k] * b[k] for k in a.keys() & b.keys())
    if not dot:
        return 0.0
    return dot / math.sqrt(_square(a) * _square(b))


def _square(counts: Mapping[str, int]) -> int:
    return sum(v * v for v in counts.values())


@functools.lru_cache(maxsize=4096)
def _profile(text: str) -> tuple[dict[str, int], float]:
    """A text's bigram counts and their norm, cached with them (recent cases recur)."""
    counts = bigrams(text)
    return counts, math.sqrt(_square(counts))


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two texts' bigram counts (the same as cosine of their bigrams)."""
    ca, na = _profile(a)
    cb, nb = _profile(b)
    if len(ca) > len(cb):
        ca, cb = cb, ca
    dot = sum(ca[k] * cb[k] for k in ca.keys() & cb.keys())
    return dot / (na * nb) if dot else 0.0


def nearby(a: str | None, b: str | None, scope: str) -> bool:
    """Same grid, or (scope=village) grids of the same village: G-<village id>-<nn>."""
    if not a or not b:
        return False
    if scope == "grid":
        return a == b
    return a.rsplit("-", 1)[0] == b.rsplit("-", 1)[0]


def assess(
    *,
    topic: str,
    grid_code: str | None,
    text: str,
    received_at: datetime,
    recent: Iterable[Recent],
    policy: HotspotPolicy,
) -> HotspotVerdict:
    """Which recent cases this one repeats, and whether together they form a batch matter."""
    threshold = min(policy.min_similarity, policy.surge_similarity if policy.surge else 1.0)
    links: list[tuple[Link, Recent]] = []
    for other in recent:
        if other.topic != topic or not nearby(grid_code, other.grid_code, policy.nearby):
            continue
        if abs(received_at - other.received_at) > policy.window:
            continue
        sim = similarity(text, other.text)
        if sim < threshold:
            continue
        where = "同一网格" if grid_code == other.grid_code else "相邻网格"
        links.append(
            (
                Link(
                    other.case_no, round(sim, 3), f"{where}、同类「{topic}」、文本相似度 {sim:.2f}"
                ),
                other,
            )
        )
    links.sort(key=lambda pair: (-pair[0].similarity, pair[0].case_no))
    if not links:
        return HotspotVerdict((), None, False, False, ())
    earliest = min((other for _, other in links), key=lambda o: (o.received_at, o.case_no))
    parent = earliest.parent_case_no or earliest.case_no
    size = len(links) + 1
    reasons = [
        f"关联 {len(links)} 件相似诉求（{'、'.join(link.case_no for link, _ in links[:5])}）"
    ]
    strong = [link for link, _ in links if link.similarity >= policy.surge_similarity]
    if policy.surge and strong:
        reasons.append(f"群体性事件应急模式：并入主工单 {parent}")
        kept = tuple(link for link, _ in links[: policy.max_links])
        return HotspotVerdict(kept, parent, True, True, tuple(reasons))
    batch = size >= policy.batch_threshold
    if batch:
        reasons.append(
            f"{BATCH}{policy.window.total_seconds() / 3600:.0f} 小时内同类相似诉求达 {size} 件"
            f"（阈值 {policy.batch_threshold}），主工单 {parent}"
        )
    # A big hotspot links each case to its closest few; the parent ties the rest together.
    kept = tuple(link for link, _ in links[: policy.max_links])
    return HotspotVerdict(kept, parent if batch else None, batch, False, tuple(reasons))


def batch_handling(
    verdict: HotspotVerdict, difficulty: Difficulty
) -> tuple[Difficulty, HotspotVerdict]:
    """The difficulty a batch leaves the case with, and the verdict whose batch line says
    what was decided: a general matter many people report becomes complex (联动办); a small
    single-point matter reported again and again stays simple. Not a batch: unchanged."""
    if not verdict.batch or verdict.merged:
        return difficulty, verdict
    after, decided = BATCH_HANDLING[difficulty]
    reasons = tuple(f"{r}，{decided}" if r.startswith(BATCH) else r for r in verdict.reasons)
    return after, HotspotVerdict(
        verdict.links, verdict.parent_case_no, verdict.batch, verdict.merged, reasons
    )


def batch_candidates(
    stored: Iterable[Recent],
    earlier: Iterable[Recent],
    *,
    topic: str,
    grid_prefix: str,
    since: datetime,
    limit: int,
) -> list[Recent]:
    """The candidates of one case of a batch: the stored recent cases (already narrowed to
    the topic, grid prefix and window) and the batch's cases before it, not stored yet,
    narrowed the same way; newest first, at most `limit`, as one stored read would give."""
    seen: set[str] = set()
    out: list[Recent] = []
    fresh = (
        r
        for r in earlier
        if r.topic == topic
        and (r.grid_code or "").startswith(grid_prefix)
        and r.received_at >= since
    )
    for r in itertools.chain(fresh, stored):
        if r.case_no not in seen:
            seen.add(r.case_no)
            out.append(r)
    out.sort(key=lambda r: r.received_at, reverse=True)
    return out[:limit]
