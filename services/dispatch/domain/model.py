"""Value objects of the dispatch domain: what a case says, how it was read, where it goes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The 15 level-1 names of the provincial topic taxonomy, spelled as the taxonomy spells them.
TOPICS: tuple[str, ...] = (
    "城乡建设",
    "农村农业",
    "政法",
    "教育文体",
    "劳动和社会保障",
    "民政",
    "党务政务",
    "经济管理",
    "卫生计生",
    "商贸旅游",
    "环境保护",
    "交通运输",
    "纪检监察",
    "国土资源",
    "科技与信息产业",
)


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


class Tier(StrEnum):
    VILLAGE = "village"
    TOWNSHIP = "township"
    DISTRICT = "district"

    @property
    def label(self) -> str:
        """Chinese name of the tier."""
        return _TIER_LABELS[self]


_TIER_LABELS = {
    Tier.VILLAGE: "村/社区级",
    Tier.TOWNSHIP: "乡镇/街道级",
    Tier.DISTRICT: "区级",
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


@dataclass(frozen=True, slots=True)
class Area:
    """A district, township/street or village/community in the jurisdiction tree."""

    id: str
    name: str
    tier: Tier
    parent_id: str | None
    aliases: tuple[str, ...] = ()
    landmarks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Grid:
    """The smallest cell of the jurisdiction tree, looked after by one grid worker."""

    code: str
    name: str
    village_id: str
    roads: tuple[str, ...] = ()
    landmarks: tuple[str, ...] = ()
    phone: str | None = None
    # Centre of the grid (latitude, longitude) and how far from it a point still belongs.
    center: tuple[float, float] | None = None
    radius_m: float = 700.0


@dataclass(frozen=True, slots=True)
class Unit:
    """A handling unit: a village committee, a township office or a district department.

    `department` is the key a routing policy uses for district departments (e.g. "ZJJ");
    `role` is "handling" for ordinary units and "dispatch_centre" for the 12345 centre.
    """

    id: str
    name: str
    tier: Tier
    area_id: str
    phone: str | None = None
    department: str | None = None
    role: str = "handling"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a case was placed in the tree; lower levels stay None when unknown."""

    district: Area
    township: Area | None
    village: Area | None
    grid: Grid | None
    matched: str
