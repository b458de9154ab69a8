"""Token buckets: at most `burst` requests at once, refilled at `per_minute` per key."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    """One bucket per key (an API key, an operator); the clock is injected for tests."""

    per_minute: float
    burst: int
    clock: Callable[[], float]
    max_keys: int = 10_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, key: str) -> float:
        """0 when a request under key may go ahead, else the seconds until it may."""
        now = self.clock()
        rate = self.per_minute / 60.0
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), at=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return math.inf if rate <= 0 else (1.0 - bucket.tokens) / rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they hold no information."""
        rate = self.per_minute / 60.0
        self._buckets = {
            k: b for k, b in self._buckets.items() if b.tokens + (now - b.at) * rate < self.burst
        }
