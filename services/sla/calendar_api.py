"""The working-time calendar over HTTP, so other services count remaining working time the
way sla counts deadlines, without a copy of the policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from services.common.access import allow
from services.sla.domain import Duration, SlaPolicy, WorkingCalendar

# The desk's clock counts remaining working time with it.
router = APIRouter(prefix="/v1", tags=["sla"], dependencies=[Depends(allow(callers=("desk",)))])
MAX_RANGE = timedelta(days=400)


def _basis(duration: Duration) -> str:
    return "working" if duration.is_working_time else "clock"


def bases(policy: SlaPolicy) -> dict[str, dict[str, str]]:
    """Per difficulty (and `urgent`): whether each deadline counts working or clock time."""
    out = {
        name: {"accept": _basis(d.accept), "resolve": _basis(d.resolve)}
        for name, d in policy.difficulties.items()
    }
    out["urgent"] = {
        "accept": _basis(policy.urgent.accept),
        "resolve": _basis(policy.urgent.resolve),
    }
    return out


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise HTTPException(
            422,
            {"code": "naive_time", "message": f"{name} 须带时区，例如 2026-11-22T09:00:00+08:00"},
        )
    return value.astimezone(UTC)


@router.get(
    "/calendar/working-time",
    summary="工作时间段",
    responses={422: {"description": "时刻缺少时区，或区间无效"}},
)
async def working_time(
    request: Request,
    start: Annotated[datetime, Query(description="起始时刻（带时区）")],
    end: Annotated[datetime, Query(description="结束时刻（带时区）")],
) -> dict[str, Any]:
    """The stretches of working time between two instants, and each deadline's basis."""
    begin, stop = _aware(start, "start"), _aware(end, "end")
    if stop < begin or stop - begin > MAX_RANGE:
        raise HTTPException(
            422, {"code": "bad_range", "message": "end 须不早于 start，且跨度不超过 400 天"}
        )
    policy: SlaPolicy = request.app.state.policy
    calendar: WorkingCalendar = request.app.state.calendar
    return {
        "timezone": policy.timezone,
        "mode": policy.calendar.mode,
        "office_day_seconds": int(calendar.office_day.total_seconds()),
        "spans": [[a.isoformat(), b.isoformat()] for a, b in calendar.working_spans(begin, stop)],
        "bases": bases(policy),
    }
