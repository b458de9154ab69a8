"""Outside servers a process needs (Kafka, PostgreSQL, Temporal), connected in the background.

A process starts and answers its liveness probe at once; each dependency is connected by a
background task that retries with backoff until the server answers, and its readiness
check, and every route that needs it, report it as down (503) until then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from services.common.failures import first_line
from services.common.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


class DependencyDown(Exception):
    """Raised where a dependency is needed that is not connected (yet): answered with 503."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"{name} is not connected" + (f": {detail}" if detail else ""))
        self.name = name


class Dependency:
    """One outside server: down until `connect` has succeeded once, then up.

    After that a lost connection is the client library's to restore (aiokafka, the pool,
    Temporal's client all reconnect by themselves) and the readiness check's to report.
    """

    def __init__(self, name: str, *, max_wait: float = 10.0) -> None:
        self.name = name
        self.up = asyncio.Event()
        self.last_error = "connecting"
        self.max_wait = max_wait

    def require(self) -> None:
        """Raise DependencyDown unless the dependency has connected."""
        if not self.up.is_set():
            raise DependencyDown(self.name, self.last_error)

    async def connect(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Call `attempt` until it succeeds (backoff up to `max_wait` seconds), then mark the
        dependency up; never gives up (cancel the task to stop it)."""

        def failed(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            self.last_error = f"{type(failure).__name__}: {first_line(failure)}"[:200]
            log.warning(
                "dependency not reachable, retrying",
                dependency=self.name,
                error=self.last_error,
                attempt=state.attempt_number,
            )

        result: T | None = None
        async for attempt_ in AsyncRetrying(
            retry=retry_if_exception_type(Exception),  # never CancelledError
            wait=wait_exponential_jitter(multiplier=0.5, max=self.max_wait, jitter=0.5),
            before_sleep=failed,
            reraise=True,
        ):
            with attempt_:
                result = await attempt()
        self.up.set()
        self.last_error = ""
        log.info("dependency connected", dependency=self.name)
        return result  # type: ignore[return-value]


async def all_up(dependencies: list[Dependency]) -> None:
    """Wait until every one of the dependencies has connected."""
    await asyncio.gather(*(d.up.wait() for d in dependencies))
