"""Open311 errors: raised anywhere on an Open311 path, answered in the spec's format."""

from __future__ import annotations

from fastapi.responses import Response

from services.intake.open311.render import errors


class Open311Error(Exception):
    """An error answered in the spec's format."""

    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None) -> None:
        super().__init__(status, descriptions)
        self.status = status
        self.descriptions = list(descriptions)
        self.retry_after = retry_after


def error_reply(fmt: str, exc: Open311Error) -> Response:
    """The spec's error list for an Open311Error."""
    content, media = errors(fmt, exc.status, exc.descriptions)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return Response(
        content, status_code=exc.status, media_type=f"{media}; charset=utf-8", headers=headers
    )
