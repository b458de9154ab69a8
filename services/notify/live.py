"""In-app push: a delivered in-app notice is announced on PostgreSQL's inbox channel, and
every notify process fans it out to the SSE clients of that recipient."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from services.common.bulk import notify_all
from services.common.logging import get_logger

log = get_logger(__name__)
CHANNEL = "minhu_inbox"


async def push(session: Any, notice: dict[str, Any]) -> None:
    """Announce an in-app notice when the caller's transaction commits."""
    await push_many(session, [notice])


async def push_many(session: Any, notices: list[dict[str, Any]]) -> None:
    """push for several notices in one statement, in their order."""
    await notify_all(
        session, CHANNEL, [json.dumps(n, ensure_ascii=False, default=str) for n in notices]
    )


class Inbox:
    """SSE subscribers per recipient, fed by LISTEN on the inbox channel."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self.subscribers: dict[asyncio.Queue[dict[str, Any]], str] = {}

    def subscribe(self, recipient: str) -> asyncio.Queue[dict[str, Any]]:
        """A bounded queue of one recipient's notices."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=200)
        self.subscribers[queue] = recipient
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Forget a closed client."""
        self.subscribers.pop(queue, None)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            notice = json.loads(payload)
        except ValueError:
            return
        for queue, recipient in list(self.subscribers.items()):
            if recipient == notice.get("recipient") and not queue.full():
                queue.put_nowait(notice)

    async def run(self) -> None:
        """Listen until cancelled; a lost connection raises and is restarted by the supervisor."""
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.add_listener(CHANNEL, self._on_notify)
            while True:
                await asyncio.sleep(10)
                await conn.execute("SELECT 1")
        finally:
            await conn.close()
