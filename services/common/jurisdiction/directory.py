"""Jurisdiction directory: district -> townships -> villages -> grids, and their units."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from services.common.jurisdiction.geo import nearest_grid, parse_center
from services.common.jurisdiction.model import Area, Grid, Location, Tier, Unit

DEFAULT_PATH = Path(__file__).resolve().parent / "directory.yaml"
DISPATCH_CENTRE = "dispatch_centre"


class DirectoryError(ValueError):
    """The directory data is malformed or inconsistent."""


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DirectoryError(f"{where}: missing or empty '{key}'")
    return value.strip()


def _optional_text(entry: Mapping[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or not str(value).strip():
        raise DirectoryError(f"{where}: '{key}' must be a non-empty string")
    return str(value).strip()


def _names(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DirectoryError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _center(entry: Mapping[str, Any], where: str) -> tuple[float, float] | None:
    try:
        return parse_center(entry.get("center"), where)
    except ValueError as exc:
        raise DirectoryError(str(exc)) from exc


def _radius(entry: Mapping[str, Any], where: str) -> float:
    value = entry.get("radius_m", 700)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise DirectoryError(f"{where}: 'radius_m' must be a positive number of metres")
    return float(value)


def _entries(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise DirectoryError(f"directory: '{key}' must be a non-empty list")
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise DirectoryError(f"{key}[{i}]: must be a mapping")
    return value


GRID_ROLE = "grid"


def grid_unit(grid: Grid) -> Unit:
    """The unit of a grid: its grid workers, placed in the grid's village."""
    return Unit(
        id=grid.code,
        name=grid.name,
        tier=Tier.GRID,
        area_id=grid.village_id,
        phone=grid.phone,
        role=GRID_ROLE,
    )


class Directory:
    """Read-only view of the jurisdiction tree, validated on construction."""

    def __init__(self, areas: Iterable[Area], grids: Iterable[Grid], units: Iterable[Unit]):
        self._areas: dict[str, Area] = {}
        self._grids: dict[str, Grid] = {}
        self._units: dict[str, Unit] = {}
        for area in areas:
            self._add(self._areas, area.id, area, "area")
        for grid in grids:
            self._add(self._grids, grid.code, grid, "grid")
        for unit in units:
            self._add(self._units, unit.id, unit, "unit")
        self._validate()
        self._handling: dict[str, Unit] = {
            u.area_id: u for u in self._units.values() if u.tier is not Tier.DISTRICT
        }
        self._village_grids: dict[str, list[Grid]] = {}
        for grid in self._grids.values():
            self._village_grids.setdefault(grid.village_id, []).append(grid)
        # Each grid is a unit of its own: its grid workers (网格员) hold the grid rung of the
        # ladder (小事不出网格). Its id is the grid code; it lies in the grid's village.
        for grid in self._grids.values():
            if grid.code in self._units:
                raise DirectoryError(f"grid code '{grid.code}' is also a unit id")
            self._units[grid.code] = grid_unit(grid)

    @staticmethod
    def _add(table: dict[str, Any], key: str, value: object, kind: str) -> None:
        if key in table:
            raise DirectoryError(f"duplicate {kind} id '{key}'")
        table[key] = value

    @classmethod
    def from_file(cls, path: Path | None = None) -> Directory:
        """Load and validate a directory YAML file (default: the shipped demo directory)."""
        path = path or DEFAULT_PATH
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DirectoryError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise DirectoryError(f"{path}: top level must be a mapping")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Directory:
        """Build a directory from already-parsed YAML data."""
        areas: list[Area] = []
        levels = (
            ("districts", Tier.DISTRICT, None),
            ("townships", Tier.TOWNSHIP, "district"),
            ("villages", Tier.VILLAGE, "township"),
        )
        for key, tier, parent_key in levels:
            for i, e in enumerate(_entries(data, key)):
                where = f"{key}[{i}]"
                parent = _text(e, parent_key, where) if parent_key else None
                areas.append(
                    Area(
                        id=_text(e, "id", where),
                        name=_text(e, "name", where),
                        tier=tier,
                        parent_id=parent,
                        aliases=_names(e, "aliases", where),
                        landmarks=_names(e, "landmarks", where),
                    )
                )
        grids = []
        for i, e in enumerate(_entries(data, "grids")):
            where = f"grids[{i}] ({e.get('code', '?')})"
            if not e.get("village"):
                raise DirectoryError(f"{where}: grid has no village")
            grids.append(
                Grid(
                    code=_text(e, "code", where),
                    name=_text(e, "name", where),
                    village_id=_text(e, "village", where),
                    roads=_names(e, "roads", where),
                    landmarks=_names(e, "landmarks", where),
                    phone=_optional_text(e, "phone", where),
                    center=_center(e, where),
                    radius_m=_radius(e, where),
                )
            )
        units = []
        for i, e in enumerate(_entries(data, "units")):
            where = f"units[{i}] ({e.get('id', '?')})"
            if not e.get("area"):
                raise DirectoryError(f"{where}: unit has no jurisdiction ('area')")
            try:
                tier = Tier(_text(e, "tier", where))
            except ValueError as exc:
                raise DirectoryError(f"{where}: unknown tier '{e.get('tier')}'") from exc
            units.append(
                Unit(
                    id=_text(e, "id", where),
                    name=_text(e, "name", where),
                    tier=tier,
                    area_id=_text(e, "area", where),
                    phone=_optional_text(e, "phone", where),
                    department=_optional_text(e, "department", where),
                    role=_optional_text(e, "role", where) or "handling",
                )
            )
        return cls(areas, grids, units)

    def _validate(self) -> None:
        for area in self._areas.values():
            if area.tier is Tier.DISTRICT:
                continue
            parent = self._areas.get(area.parent_id or "")
            want = Tier.DISTRICT if area.tier is Tier.TOWNSHIP else Tier.TOWNSHIP
            if parent is None or parent.tier is not want:
                raise DirectoryError(
                    f"{area.tier} '{area.id}': unknown parent {want} '{area.parent_id}'"
                )
        for grid in self._grids.values():
            village = self._areas.get(grid.village_id)
            if village is None or village.tier is not Tier.VILLAGE:
                raise DirectoryError(f"grid '{grid.code}': unknown village '{grid.village_id}'")
        self._validate_units()

    def _validate_units(self) -> None:
        seen_handling: set[str] = set()
        seen_departments: set[tuple[str, str]] = set()
        for unit in self._units.values():
            home = self._areas.get(unit.area_id)
            if home is None:
                raise DirectoryError(f"unit '{unit.id}': unknown jurisdiction '{unit.area_id}'")
            if home.tier is not unit.tier:
                raise DirectoryError(
                    f"unit '{unit.id}': tier {unit.tier} does not match {home.tier} '{home.id}'"
                )
            if unit.tier is not Tier.DISTRICT:
                if unit.area_id in seen_handling:
                    raise DirectoryError(f"{home.tier} '{home.id}' has more than one unit")
                seen_handling.add(unit.area_id)
            if unit.department:
                key = (unit.area_id, unit.department)
                if key in seen_departments:
                    raise DirectoryError(
                        f"district '{unit.area_id}': duplicate department '{unit.department}'"
                    )
                seen_departments.add(key)
        grid_villages = {g.village_id for g in self._grids.values()}
        for area in self._areas.values():
            if area.tier is Tier.VILLAGE and area.id not in grid_villages:
                raise DirectoryError(f"village '{area.id}' has no grid")
            if area.tier is not Tier.DISTRICT and area.id not in seen_handling:
                raise DirectoryError(f"{area.tier} '{area.id}' has no handling unit")
            if area.tier is Tier.DISTRICT and not any(
                u.area_id == area.id and u.role == DISPATCH_CENTRE for u in self._units.values()
            ):
                raise DirectoryError(f"district '{area.id}' has no {DISPATCH_CENTRE} unit")

    # --- lookups -----------------------------------------------------------------

    @property
    def units(self) -> tuple[Unit, ...]:
        """All units, in file order."""
        return tuple(self._units.values())

    @property
    def grids(self) -> tuple[Grid, ...]:
        """All grids, in file order."""
        return tuple(self._grids.values())

    @property
    def default_district(self) -> Area:
        """The first district: where a case that cannot be placed is handled."""
        return next(a for a in self._areas.values() if a.tier is Tier.DISTRICT)

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id; KeyError if unknown."""
        try:
            return self._units[unit_id]
        except KeyError:
            raise KeyError(f"unknown unit '{unit_id}'") from None

    def area(self, area_id: str) -> Area:
        """The district, township or village with this id; KeyError if unknown."""
        try:
            return self._areas[area_id]
        except KeyError:
            raise KeyError(f"unknown area '{area_id}'") from None

    def grid(self, code: str) -> Grid | None:
        """The grid with this code, or None."""
        return self._grids.get(code)

    def handling_unit(self, area_id: str) -> Unit:
        """The unit of a village or township."""
        return self._handling[area_id]

    def department(self, district_id: str, key: str) -> Unit | None:
        """The district department registered under a routing key, if any."""
        return next(
            (u for u in self._units.values() if u.area_id == district_id and u.department == key),
            None,
        )

    def dispatch_centre(self, district_id: str) -> Unit:
        """The district's 12345 centre, which takes manual dispatch."""
        return next(
            u
            for u in self._units.values()
            if u.area_id == district_id and u.role == DISPATCH_CENTRE
        )

    def grid_for(self, *, grid_code: str | None, address: str | None) -> Grid | None:
        """The grid of a case: by exact code, else by names, roads and landmarks in the address."""
        location = self.locate(grid_code=grid_code, address=address)
        return location.grid if location else None

    def locate(
        self,
        *,
        grid_code: str | None,
        address: str | None,
        point: tuple[float, float] | None = None,
    ) -> Location | None:
        """Place a case by grid code, else by coordinates, else by the address text."""
        if grid_code and (grid := self._grids.get(grid_code.strip())):
            return self._at_grid(grid, f"网格编码 {grid.code}")
        if point is not None and (near := nearest_grid(self._grids.values(), point)):
            grid, metres = near
            return self._at_grid(
                grid, f"坐标 {point[0]:.5f},{point[1]:.5f}（距网格中心 {metres:.0f} 米）"
            )
        if not address:
            return None
        village_hits = [
            a for a in self._areas.values() if a.tier is Tier.VILLAGE and _hit(a, address)
        ]
        grid_hits: dict[str, tuple[int, list[str]]] = {}
        for grid in self._grids.values():
            terms = [t for t in (*grid.roads, *grid.landmarks) if t in address]
            if terms:
                grid_hits[grid.code] = (sum(len(t) for t in terms), terms)
        if village_hits:
            ids = {v.id for v in village_hits}
            inside = {c: h for c, h in grid_hits.items() if self._grids[c].village_id in ids}
            grid_hits = inside or grid_hits
        if grid_hits:
            code = max(grid_hits, key=lambda c: grid_hits[c][0])
            return self._at_grid(self._grids[code], "、".join(grid_hits[code][1]))
        if village_hits:
            village = village_hits[0]
            return self._at_grid(self._village_grids[village.id][0], village.name)
        for area in self._areas.values():
            if area.tier is Tier.TOWNSHIP and _hit(area, address):
                district = self._areas[area.parent_id or ""]
                return Location(district, area, None, None, area.name)
        return None

    def _at_grid(self, grid: Grid, matched: str) -> Location:
        village = self._areas[grid.village_id]
        township = self._areas[village.parent_id or ""]
        district = self._areas[township.parent_id or ""]
        return Location(district, township, village, grid, matched)


def _hit(area: Area, text: str) -> bool:
    return any(name in text for name in (area.name, *area.aliases, *area.landmarks))
