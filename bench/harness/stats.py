"""Small statistics the harness shares."""

from __future__ import annotations


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of values; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
