"""Notify's HTTP API: what was delivered for a case, and a unit's in-app inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify import store

router = APIRouter(prefix="/v1", tags=["notify"])


class Delivery(BaseModel):
    """One delivered notification."""

    event_type: str
    channel: str
    recipient: str
    status: str
    sent_at: datetime
    template: str
    body: str


async def session_dep(request: Request) -> Any:
    """One database session per request."""
    async with request.app.state.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(session_dep)]


@router.get(
    "/cases/{case_no}/notifications", response_model=list[Delivery], summary="工单的通知记录"
)
async def case_notifications(
    case_no: Annotated[str, Path(pattern=r"^\d{14}$")], session: Session
) -> list[dict[str, Any]]:
    """Every notification delivered about a case, oldest first (empty if none yet)."""
    return await store.for_case(session, case_no=case_no)


@router.get("/inbox", response_model=list[Delivery], summary="单位站内消息")
async def inbox(
    session: Session, recipient: Annotated[str, Query(min_length=1, max_length=64)]
) -> list[dict[str, Any]]:
    """A unit's in-app messages, newest first."""
    return await store.for_recipient(session, recipient=recipient)
