"""Admission: intake takes as many writes at once as it can finish quickly, and refuses the
rest at once with 503 and Retry-After, so an overload never turns into slow answers (or a
database pool run dry) for everyone.

A write waits at most `wait` seconds for one of `limit` places; what gets no place is
refused before anything is stored, so a refusal never hides an acknowledged case. Reads,
probes and metrics are never held back.
"""

from __future__ import annotations

import asyncio

from services.common.metrics import REQUESTS_SHED
from services.intake.guards import ASGIApp, Receive, Scope, Send, refuse

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
OVERLOADED = "当前受理量过大，本次提交未被受理，请稍后重试"


class Admission:
    """At most `limit` writes in flight; a write that waits longer than `wait` gets 503."""

    def __init__(self, app: ASGIApp, *, limit: int, wait: float, retry_after: int) -> None:
        self.app = app
        self.places = asyncio.Semaphore(limit)
        self.wait = wait
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold a place for the write while it runs; refuse it when none frees in time."""
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.wait):
                await self.places.acquire()
        except TimeoutError:
            REQUESTS_SHED.inc()
            await refuse(
                scope,
                send,
                503,
                OVERLOADED,
                code="overloaded",
                headers=[(b"retry-after", str(self.retry_after).encode())],
            )
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.places.release()
