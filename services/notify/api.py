"""Notify's HTTP API: what was delivered for a case, and a unit's in-app inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from services.common.access import allow
from services.common.inputs import IDENT
from services.common.sse import sse_response
from services.common.web import Session
from services.notify import store
from services.notify.sealing import default_sealer

router = APIRouter(prefix="/v1", tags=["notify"])
# intake's timeline shows a case's notifications; the desk, the inboxes and delivery logs.
FROM_INTAKE = [Depends(allow(callers=("intake",)))]
FROM_DESK = [Depends(allow(callers=("desk",)))]


class Delivery(BaseModel):
    """One notification; an SMS's recipient shown masked. `suppressed` ones were not sent
    (last_error says why, e.g. the per-phone cap)."""

    event_type: str
    channel: str
    recipient: str
    status: str
    sent_at: datetime
    template: str
    body: str
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str | None = None


@router.get(
    "/cases/{case_no}/notifications",
    response_model=list[Delivery],
    summary="工单的通知记录",
    dependencies=FROM_INTAKE,
)
async def case_notifications(
    case_no: Annotated[str, Path(pattern=r"^\d{14}$")], session: Session
) -> list[dict[str, Any]]:
    """Every notification delivered about a case, oldest first (empty if none yet)."""
    return await store.for_case(session, case_no=case_no)


@router.get("/inbox", response_model=list[Delivery], summary="单位站内消息", dependencies=FROM_DESK)
async def inbox(
    session: Session, recipient: Annotated[str, Query(max_length=64, pattern=IDENT)]
) -> list[dict[str, Any]]:
    """A unit's in-app messages, newest first."""
    return await store.for_recipient(session, recipient=recipient)


@router.get(
    "/deliveries",
    response_model=list[Delivery],
    summary="投递记录（按状态）",
    dependencies=FROM_DESK,
)
async def deliveries(
    session: Session,
    status: Annotated[
        str, Query(pattern="^(pending|delivered|dead|suppressed|withdrawn)$")
    ] = "dead",
) -> list[dict[str, Any]]:
    """The delivery log by status; `dead` lists what was given up after every retry."""
    return await store.by_status(session, status=status)


class SmsReply(BaseModel):
    """A citizen's SMS reply and what applying it came to."""

    msg_id: str
    phone: str
    text: str
    received_at: datetime
    status: str
    case_no: str | None = None
    outcome: str | None = None
    attempts: int = 0
    last_error: str | None = None


@router.get(
    "/sms/replies",
    response_model=list[SmsReply],
    summary="市民短信回复（上行）",
    dependencies=FROM_DESK,
)
async def sms_replies(
    session: Session, phone: Annotated[str, Query(pattern=r"^\d{5,20}$")]
) -> list[dict[str, Any]]:
    """A number's replies to the callback survey, newest first (the number shown masked)."""
    return await store.replies(session, ref=default_sealer().index(phone))


@router.get("/inbox/stream", summary="站内消息推送（SSE）", dependencies=FROM_DESK)
async def inbox_stream(
    request: Request, recipient: Annotated[str, Query(max_length=64, pattern=IDENT)]
) -> StreamingResponse:
    """Server-sent events: each in-app notice to the recipient as it is delivered."""
    inbox = request.app.state.inbox
    queue = inbox.subscribe(recipient)
    return sse_response(request, queue, "notice", close=lambda: inbox.unsubscribe(queue))
