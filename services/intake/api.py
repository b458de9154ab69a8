"""Intake's HTTP API: create, read and find cases, and a case's timeline across services."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.errors import not_found
from services.common.logging import case_context, get_logger
from services.common.metrics import CASES_RECEIVED
from services.intake import store
from services.intake.domain import CASE_NO_PATTERN, Channel, is_valid_phone
from services.intake.timeline import Peers, build_timeline, peer_client

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["cases"])
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CaseIn(BaseModel):
    """A new case as an operator or another system submits it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Channel = Field(description="受理渠道")
    caller_phone: str = Field(max_length=32, description="来电号码（手机或带区号固话）")
    content: str = Field(min_length=5, max_length=4000, description="诉求内容")
    caller_name: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    grid_code: str | None = Field(default=None, max_length=64)
    urgent: bool = False

    @field_validator("caller_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not is_valid_phone(value):
            raise ValueError("电话号码格式不正确：应为 11 位手机号或带区号的固定电话")
        return value.replace(" ", "")

    @field_validator("content", "caller_name", "title", "address", "grid_code")
    @classmethod
    def _no_control_chars(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("含有不可见的控制字符，请删除后重试")
        return value


class CaseCreated(BaseModel):
    """The number to read out to the caller."""

    case_no: str
    status: str


class CaseOut(BaseModel):
    """A case as intake stored it."""

    case_no: str
    channel: str
    caller_name: str | None
    caller_phone: str
    title: str | None
    content: str
    address: str | None
    grid_code: str | None
    urgent: bool
    status: str
    received_at: datetime


class Timeline(BaseModel):
    """A case with what the other services know of it; `unavailable` names who did not answer."""

    case: CaseOut
    dispatch: dict[str, Any] | None
    sla: dict[str, Any] | None
    notifications: list[dict[str, Any]]
    unavailable: list[str]


async def session_dep(request: Request) -> Any:
    """One database session per request."""
    async with request.app.state.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(session_dep)]
CaseNo = Annotated[str, Path(pattern=CASE_NO_PATTERN, description="工单编号")]


def peers_dep(request: Request) -> Peers:
    """Where dispatch, sla and notify answer."""
    peers: Peers = request.app.state.peers
    return peers


PeersDep = Annotated[Peers, Depends(peers_dep)]


@router.post("/cases", status_code=201, response_model=CaseCreated, summary="受理一个诉求")
async def create_case(body: CaseIn, session: Session, request: Request) -> CaseCreated:
    """Store the case and its case.received event atomically, then wake the relay."""
    async with session.begin():
        case_no = await store.create_case(session, case=store.NewCase(**body.model_dump()))
    request.app.state.relay.wake()
    CASES_RECEIVED.labels(body.channel.value).inc()
    with case_context(case_no):
        log.info("case received", channel=body.channel.value, urgent=body.urgent)
    return CaseCreated(case_no=case_no, status="received")


@router.get("/cases/{case_no}", response_model=CaseOut, summary="查看一个诉求")
async def read_case(case_no: CaseNo, session: Session) -> dict[str, Any]:
    """The case as received."""
    case = await store.get_case(session, case_no=case_no)
    if case is None:
        raise not_found("工单", case_no)
    return case


@router.get("/cases", response_model=list[CaseOut], summary="按来电号码查找诉求")
async def find_cases(
    session: Session,
    phone: Annotated[str, Query(min_length=3, max_length=32, description="来电号码")],
) -> list[dict[str, Any]]:
    """A caller's cases, newest first (stored numbers carry no spaces)."""
    return await store.find_cases(session, phone=phone.replace(" ", ""))


@router.get("/cases/{case_no}/timeline", response_model=Timeline, summary="诉求全流程")
async def read_timeline(case_no: CaseNo, session: Session, peers: PeersDep) -> dict[str, Any]:
    """The case with its assignment, SLA status and notifications from the other services."""
    case = await store.get_case(session, case_no=case_no)
    if case is None:
        raise not_found("工单", case_no)
    await session.close()  # give the connection back before waiting on other services
    async with peer_client(peers) as client:
        return await build_timeline(case, peers=peers, client=client)
