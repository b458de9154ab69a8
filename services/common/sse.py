"""Server-sent events from an asyncio queue: one named event per item, keep-alives between."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

HEARTBEAT = 15.0


def sse_response(
    request: Request,
    queue: asyncio.Queue[dict[str, Any]],
    event: str,
    *,
    close: Callable[[], None],
    heartbeat: float = HEARTBEAT,
) -> StreamingResponse:
    """Stream each queued item as `event`; `close` runs when the client goes away."""

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b"retry: 2000\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=heartbeat)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield b": keep-alive\n\n"
                    continue
                data = json.dumps(item, ensure_ascii=False)
                yield f"event: {event}\ndata: {data}\n\n".encode()
        finally:
            close()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
