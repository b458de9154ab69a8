"""Live board changes for SSE: every dispatch process LISTENs on the board's channel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from services.common.logging import get_logger
from services.desk.board.projector import CHANNEL

log = get_logger(__name__)
Filter = Callable[[dict[str, Any]], bool]


class LiveHub:
    """Fans PostgreSQL notifications out to the SSE clients whose filter accepts them."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self.subscribers: dict[asyncio.Queue[dict[str, Any]], Filter] = {}

    def subscribe(self, accept: Filter) -> asyncio.Queue[dict[str, Any]]:
        """A queue receiving the changes `accept` lets through (bounded: slow tabs lose some)."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=500)
        self.subscribers[queue] = accept
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Forget a closed client."""
        self.subscribers.pop(queue, None)

    def publish(self, change: dict[str, Any]) -> None:
        """Hand one change to every interested subscriber."""
        for queue, accept in list(self.subscribers.items()):
            if accept(change) and not queue.full():
                queue.put_nowait(change)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.publish(json.loads(payload))
        except ValueError:
            log.warning("unreadable board notification", payload=payload[:200])

    async def run(self) -> None:
        """Listen until cancelled; a lost connection raises, and the supervisor restarts it."""
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.add_listener(CHANNEL, self._on_notify)
            # Tell open pages to reload: changes may have been missed while disconnected.
            self.publish({"event": "resync"})
            while True:
                await asyncio.sleep(10)
                await conn.execute("SELECT 1")
        finally:
            await conn.close()
