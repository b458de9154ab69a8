"""A person refused a page reads why on a page (in Chinese), not a JSON error."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from services.common.access import rule_of
from services.common.access.guard import SAFE_METHODS
from services.desk.ui.auth import csrf_of, user_of
from services.desk.ui.html import e, page


def is_page(request: Request) -> bool:
    """Whether the request asked for a page (its route's rule says so)."""
    route = request.scope.get("route")
    rule = rule_of(route) if isinstance(route, APIRoute) else None
    return bool(rule and rule.page) and request.method in SAFE_METHODS


def refusal_pages(app: FastAPI) -> None:
    """Answer a refused page with a page saying why; everything else as before."""
    fallback: Any = app.exception_handlers[HTTPException]

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException) -> Response:
        if exc.status_code != 403 or not is_page(request):
            answer: Response = await fallback(request, exc)
            return answer
        detail: dict[str, Any] = exc.detail if isinstance(exc.detail, dict) else {}
        message = str(detail.get("message") or "您无权查看此页面。")
        who = getattr(request.state, "principal", None)
        user = user_of(who) if who is not None and who.is_person else None
        body = f'<p class="error" role="alert" id="denied">{e(message)}</p>'
        return HTMLResponse(page("无权查看", body, user, csrf=csrf_of(request)), status_code=403)
