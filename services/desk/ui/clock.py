"""The working-time spans the browser needs to keep remaining times current."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request

from services.common.access import allow
from services.desk.ui.auth import STAFF, Viewer
from services.desk.ui.context import ui_of

router = APIRouter(prefix="/ui", include_in_schema=False)
# Pages refetch this hourly; two days ahead covers a tab left open over a night or weekend,
# a week behind covers pages rendered long before (they count from their render time).
BEHIND, AHEAD = timedelta(days=7), timedelta(days=2)


@router.get("/worktime", dependencies=[Depends(allow(*STAFF))])
async def worktime(request: Request, user: Viewer) -> dict[str, Any]:
    """Working spans around now, in epoch ms; `spans` is null while sla cannot be reached."""
    now = datetime.now(UTC)
    clock = await ui_of(request).worktime.get(now)
    if clock is None:
        return {"spans": None}
    return clock.export(now, BEHIND, AHEAD)
