"""Values of the jurisdiction tree: tiers, areas, grids, units and where a case lies."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    # Declaration order is the ladder's order, bottom up.
    GRID = "grid"
    VILLAGE = "village"
    TOWNSHIP = "township"
    DISTRICT = "district"

    @property
    def label(self) -> str:
        """Chinese name of the tier."""
        return _TIER_LABELS[self]


_TIER_LABELS = {
    Tier.GRID: "网格级",
    Tier.VILLAGE: "村/社区级",
    Tier.TOWNSHIP: "乡镇/街道级",
    Tier.DISTRICT: "区级",
}


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
