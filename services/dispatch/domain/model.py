"""Value objects of the dispatch domain: what a case says, how it was read, where it goes.

The jurisdiction tree's values (Tier, Area, Grid, Unit, Location) live in
services/common/jurisdiction, shared with the read side; they are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.common.jurisdiction.model import Area, Grid, Location, Tier, Unit
from services.common.topics import TOPICS


class Difficulty(StrEnum):
    SIMPLE = "simple"
    GENERAL = "general"
    COMPLEX = "complex"
    LEGACY = "legacy"

    @property
    def label(self) -> str:
        """Chinese name with the handling mode, as a dispatcher says it."""
        return _DIFFICULTY_LABELS[self]


_DIFFICULTY_LABELS = {
    Difficulty.SIMPLE: "简单（立即办）",
    Difficulty.GENERAL: "一般（协调办）",
    Difficulty.COMPLEX: "复杂（现场办/联动办）",
    Difficulty.LEGACY: "历史遗留（分阶段办理）",
}


@dataclass(frozen=True, slots=True)
class CaseText:
    """The parts of a case that dispatch reads."""

    title: str
    content: str
    address: str | None = None
    grid_code: str | None = None
    urgent: bool = False
    latitude: float | None = None
    longitude: float | None = None
    # Where the case came from (intake's channel); grid patrol reports stay in their grid.
    channel: str = ""


@dataclass(frozen=True, slots=True)
class Classification:
    """Topic, difficulty and flags of a case, with the reasons behind them."""

    topic: str
    difficulty: Difficulty
    urgent: bool
    major: bool
    confidence: float
    reasons: tuple[str, ...]
    # The rules+model mix's top share before calibration; `confidence` is the calibrated
    # chance that the topic is right, which the manual-queue threshold reads.
    raw_confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The unit a case goes to; `manual` means a human dispatcher must confirm it."""

    unit_id: str
    unit_name: str
    tier: Tier
    grid_code: str | None
    co_unit_ids: tuple[str, ...]
    manual: bool
    reasons: tuple[str, ...]


__all__ = [
    "TOPICS",
    "Area",
    "Assignment",
    "CaseText",
    "Classification",
    "Difficulty",
    "Grid",
    "Location",
    "Tier",
    "Unit",
]
