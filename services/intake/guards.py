"""Request guards in front of every route: body size (413) and valid UTF-8 (422).

A pure ASGI middleware, so the body is read once, bounded, checked and replayed to the
route unchanged. Open311 paths get the spec's error format, others intake's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_plus

from services.intake.domain.model import has_control_chars
from services.intake.open311.render import error_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_WITH_BODY = {"POST", "PUT", "PATCH"}
# Files and photos are binary and larger than any case: their route bounds them itself
# (services/intake/files.py, the file policy's limit) and the desk checks their bytes.
_UPLOADS = re.compile(r"^/v1/cases/[^/]+/files$")


def _form_is_utf8(body: bytes) -> bool:
    """Form bodies: the raw bytes and every percent-decoded name and value are UTF-8."""
    try:
        text = body.decode("utf-8")
        for pair in text.split("&"):
            for part in pair.split("=", 1):
                unquote_plus(part, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def _address_is_clean(scope: Scope) -> bool:
    """The path and every query value are UTF-8 without control characters.

    PostgreSQL refuses NUL in text, and no person types a control character into a search.
    """
    try:
        values = [scope.get("path", "")]
        for pair in scope.get("query_string", b"").decode("ascii").split("&"):
            values += [
                unquote_plus(p, encoding="utf-8", errors="strict") for p in pair.split("=", 1)
            ]
    except UnicodeDecodeError:
        return False
    return not any(has_control_chars(v) for v in values)


def _percent_encode(body: bytes) -> bytes:
    """Non-ASCII bytes as %XX escapes; ASCII (including existing escapes) unchanged."""
    return b"".join(bytes([b]) if b < 0x80 else f"%{b:02X}".encode() for b in body)


class BodyGuard:
    """413 above max_bytes; 422 when a JSON or form body is not valid UTF-8."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the address and the body, then hand the request on with the body replayed."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not _address_is_clean(scope):
            await self._reject(scope, send, 422, "地址或查询参数含有无效编码或控制字符")
            return
        if scope["method"] not in _WITH_BODY or _UPLOADS.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, send, 413, self._too_large())
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(scope, send, 413, self._too_large())
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            valid = _form_is_utf8(body)
            if valid and not body.isascii():
                # The form parser reads raw bytes as Latin-1; raw UTF-8 (curl -d '描述=…')
                # is percent-encoded here so it arrives as the characters that were sent.
                body = _percent_encode(body)
                scope = dict(scope)
                scope["headers"] = [
                    (k, v) for k, v in scope["headers"] if k.lower() != b"content-length"
                ] + [(b"content-length", str(len(body)).encode())]
        else:
            try:
                body.decode("utf-8")
                valid = True
            except UnicodeDecodeError:
                valid = False
        if not valid:
            await self._reject(scope, send, 422, "请求内容不是有效的 UTF-8 编码")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"请求内容过大，上限 {self.max_bytes} 字节"

    async def _reject(self, scope: Scope, send: Send, status: int, message: str) -> None:
        code = "payload_too_large" if status == 413 else "validation_error"
        errors = (
            []
            if status == 413
            else [{"field": "body", "type": "invalid_encoding", "message": message}]
        )
        await refuse(scope, send, status, message, code=code, errors=errors)


async def refuse(
    scope: Scope,
    send: Send,
    status: int,
    message: str,
    *,
    code: str,
    errors: list[dict[str, str]] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer a request that never reaches its route: Open311 paths in the spec's error
    format, others as {code, message, errors}; the message is for people, in Chinese."""
    path: str = scope.get("path", "")
    if path.startswith("/open311/"):
        body, media = error_response(path, status, message)
    else:
        payload = {"code": code, "message": message, "errors": errors or []}
        body, media = json.dumps(payload, ensure_ascii=False).encode(), "application/json"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", f"{media}; charset=utf-8".encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
