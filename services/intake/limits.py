"""Rate limits of intake: per signed-in person, per API client, per address on public reads.

Buckets live in the process (services/intake/domain/ratelimit.py); a 429 names the wait
in Retry-After. Open311 paths answer in the spec's error format.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from fastapi import HTTPException, Request

from services.common.access import Kind, Principal
from services.intake.client_store import Client
from services.intake.domain import RateLimiter
from services.intake.open311.errors import Open311Error
from services.intake.settings import IntakeSettings

TOO_FAST = "提交过于频繁，请稍后再试"
TOO_MANY_READS = "查询过于频繁，请稍后再试"


class Limits:
    """The buckets of one intake process."""

    def __init__(self, own: IntakeSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.own = own
        self.clock = clock
        self.people = RateLimiter(
            per_minute=own.operator_per_minute, burst=own.operator_burst, clock=clock
        )
        self.public = RateLimiter(
            per_minute=own.public_per_minute, burst=own.public_burst, clock=clock
        )
        self.lookups = RateLimiter(
            per_minute=own.lookup_per_minute, burst=own.lookup_burst, clock=clock
        )
        self._clients: dict[tuple[float, int], RateLimiter] = {}

    def _client_bucket(self, client: Client | None) -> RateLimiter:
        per_minute = self.own.api_key_per_minute
        burst = self.own.api_key_burst
        if client is not None:
            per_minute = client.per_minute if client.per_minute is not None else per_minute
            burst = client.burst if client.burst is not None else burst
        rates = (per_minute, burst)
        if rates not in self._clients:
            self._clients[rates] = RateLimiter(per_minute=per_minute, burst=burst, clock=self.clock)
        return self._clients[rates]

    def submit_wait(self, who: Principal, client: Client | None = None) -> float:
        """Seconds this principal must wait before submitting (0: go ahead)."""
        if who.kind is Kind.CLIENT:
            return self._client_bucket(client).take(f"client:{who.name}")
        # The desk files patrol reports for grid workers: each worker has their own rate.
        return self.people.take(f"{who.kind}:{who.name}:{who.acting_for}")

    def lookup_wait(self, address: str) -> float:
        """Seconds this address must wait before its next case look-up (0: go ahead)."""
        return self.lookups.take(address)

    def read_wait(self, address: str) -> float:
        """Seconds this address must wait before its next public read (0: go ahead)."""
        return self.public.take(address)


def retry_after(wait: float) -> int:
    """Whole seconds for Retry-After, at least one."""
    return 3600 if math.isinf(wait) else max(1, math.ceil(wait))


def limits_of(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


def check_submit(request: Request, who: Principal) -> None:
    """429 (intake's format) when this person or client submits too fast."""
    wait = limits_of(request).submit_wait(who, getattr(request.state, "api_client", None))
    if wait > 0:
        raise HTTPException(
            429,
            {"code": "rate_limited", "message": TOO_FAST},
            headers={"Retry-After": str(retry_after(wait))},
        )


def check_open311_submit(request: Request, who: Principal) -> None:
    """429 (Open311's format) when this key submits too fast."""
    wait = limits_of(request).submit_wait(who, getattr(request.state, "api_client", None))
    if wait > 0:
        raise Open311Error(429, TOO_FAST, retry_after=retry_after(wait))


def client_address(request: Request) -> str:
    """The caller's address (uvicorn has applied X-Forwarded-For of trusted proxies)."""
    return request.client.host if request.client else "unknown"


async def public_reads(request: Request) -> None:
    """A route dependency: 429 when one address calls the public API too fast."""
    wait = limits_of(request).read_wait(client_address(request))
    if wait > 0:
        raise Open311Error(429, TOO_MANY_READS, retry_after=retry_after(wait))
