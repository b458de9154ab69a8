"""Where a point falls: grid centres and distances on the earth's surface. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from services.common.jurisdiction.model import Grid

EARTH_RADIUS_M = 6_371_000.0


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def nearest_grid(grids: Iterable[Grid], point: tuple[float, float]) -> tuple[Grid, float] | None:
    """The grid whose centre is nearest the point, if the point lies within its radius."""
    best: tuple[Grid, float] | None = None
    for grid in grids:
        if grid.center is None:
            continue
        d = distance_m(grid.center, point)
        if d <= grid.radius_m and (best is None or d < best[1]):
            best = (grid, d)
    return best


def parse_center(value: Any, where: str) -> tuple[float, float] | None:
    """A `center: [lat, lon]` entry, checked; None when absent. ValueError names the entry."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(f"{where}: 'center' must be [latitude, longitude]")
    lat, lon = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{where}: 'center' {value} is not a latitude/longitude")
    return lat, lon
