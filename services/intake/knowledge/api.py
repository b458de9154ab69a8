"""The knowledge base's HTTP API, and the console's suggestions while the operator types."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.common.access import Principal, allow
from services.common.access.roles import ADMIN, DISPATCHER, HANDLER, OPERATOR, SUPERVISOR
from services.common.errors import not_found
from services.common.jurisdiction import Directory
from services.common.logging import get_logger
from services.common.request_types import LABELS, suggest
from services.common.topics import TOPICS
from services.common.web import Session
from services.intake.domain.model import CENTRE_TZ, has_control_chars
from services.intake.knowledge import store
from services.intake.knowledge.rank import Index
from services.intake.knowledge.rules import EDITORS, dates_problem, may_manage, refusal
from services.intake.schemas import ERRORS

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["knowledge"])
page_router = APIRouter(include_in_schema=False)
Console = Depends(allow(OPERATOR, DISPATCHER, ADMIN))
Reader = Depends(allow(OPERATOR, DISPATCHER, HANDLER, SUPERVISOR, ADMIN))
Editor = Annotated[Principal, Depends(allow(*EDITORS))]
EntryId = Annotated[int, Path(ge=1, le=2_147_483_647, description="知识条目编号")]


class SuggestIn(BaseModel):
    """What the operator has typed so far."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(default="", max_length=200)
    content: str = Field(default="", max_length=4000)


class EntryIn(BaseModel):
    """A knowledge entry as an admin or a unit's person writes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=2, max_length=200, description="标题")
    body: str = Field(min_length=10, max_length=4000, description="标准答复")
    topic: str = Field(description="主题（一级分类）")
    keywords: str = Field(default="", max_length=500, description="关键词，逗号分隔")
    source_unit_id: str = Field(max_length=64, description="来源单位编号")
    valid_from: date = Field(description="生效日期")
    valid_until: date | None = Field(default=None, description="失效日期（含当日）；不填为长期")

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        if value not in TOPICS:
            raise ValueError("主题应为一级分类之一：" + "、".join(TOPICS))
        return value

    @field_validator("title", "body", "keywords")
    @classmethod
    def _plain(cls, value: str) -> str:
        if has_control_chars(value):
            raise ValueError("含有不可见的控制字符，请删除后重试")
        return value


def _directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


def _unit_name(directory: Directory, unit_id: str) -> str:
    try:
        return directory.unit(unit_id).name
    except KeyError:
        return unit_id


def _out(row: dict[str, Any], directory: Directory, today: date) -> dict[str, Any]:
    entry = store.entry_of(row)
    return {
        **{k: row[k] for k in ("entry_id", "title", "body", "topic", "keywords")},
        "source_unit_id": row["source_unit_id"],
        "source_unit_name": _unit_name(directory, row["source_unit_id"]),
        "valid_from": row["valid_from"],
        "valid_until": row["valid_until"],
        "valid_today": entry.valid_on(today),
        "version": row.get("version"),
        "updated_by": row.get("updated_by"),
        "updated_at": row.get("updated_at"),
    }


def today() -> date:
    """The centre's calendar day."""
    return datetime.now(CENTRE_TZ).date()


class IndexCache:
    """The BM25 index of the entries valid today, rebuilt when an entry changes or the day
    turns (checked with one cheap query per suggestion)."""

    def __init__(self) -> None:
        self.key: tuple[Any, ...] | None = None
        self.index = Index([])
        self.lock = asyncio.Lock()

    async def get(self, session: Any, day: date) -> Index:
        key = (day, *await store.fingerprint(session))
        async with self.lock:
            if key != self.key:
                entries = await store.valid_entries(session, day)
                self.index = await asyncio.to_thread(Index, entries)
                self.key = key
        return self.index


def _cache(request: Request) -> IndexCache:
    cache: IndexCache = request.app.state.knowledge_index
    return cache


@router.post(
    "/suggestions",
    summary="受理提示：诉求类型建议与知识库答复",
    responses=ERRORS,
    dependencies=[Console],
)
async def suggestions(body: SuggestIn, session: Session, request: Request) -> dict[str, Any]:
    """The request type the words suggest (and why), and the three best standard answers in
    force today (BM25 over jieba tokens of title and content)."""
    text = f"{body.title} {body.content}".strip()
    kind = suggest(text)
    day = today()
    index = await _cache(request).get(session, day)
    matches = await asyncio.to_thread(index.rank, text, day=day, limit=3) if text else []
    directory = _directory(request)
    return {
        "request_type": {
            "type": kind.type.value,
            "label": LABELS[kind.type],
            "confidence": kind.confidence,
            "explanation": kind.explanation,
        },
        "answers": [
            {
                "entry_id": m.entry.entry_id,
                "title": m.entry.title,
                "body": m.entry.body,
                "topic": m.entry.topic,
                "source_unit_id": m.entry.source_unit_id,
                "source_unit_name": _unit_name(directory, m.entry.source_unit_id),
                "valid_until": m.entry.valid_until,
                "score": m.score,
                "matched": list(m.matched),
            }
            for m in matches
        ],
    }


@router.get("/knowledge", summary="知识库条目", responses=ERRORS, dependencies=[Reader])
async def list_entries(
    session: Session,
    request: Request,
    unit: Annotated[str | None, Query(max_length=64, description="来源单位编号")] = None,
) -> list[dict[str, Any]]:
    """Every entry (of one source unit, if asked), expired ones included, newest change first."""
    directory, day = _directory(request), today()
    return [_out(r, directory, day) for r in await store.listing(session, unit_id=unit)]


@router.get(
    "/knowledge/{entry_id}",
    summary="知识条目及修改记录",
    responses=ERRORS,
    dependencies=[Reader],
)
async def read_entry(entry_id: EntryId, session: Session, request: Request) -> dict[str, Any]:
    """One entry with every version: who changed it, when, and what it said."""
    row = await store.get(session, entry_id)
    if row is None:
        raise not_found("知识条目", str(entry_id))
    return {
        **_out(row, _directory(request), today()),
        "history": await store.changes(session, entry_id),
    }


def _check(who: Principal, body: EntryIn, request: Request) -> None:
    try:
        _directory(request).unit(body.source_unit_id)
    except KeyError:
        raise _invalid("source_unit_id", "来源单位不在单位名录中") from None
    problem = dates_problem(body.valid_from, body.valid_until)
    if problem:
        raise _invalid("valid_until", problem)
    if not may_manage(who, body.source_unit_id):
        raise HTTPException(
            403, {"code": "forbidden", "message": refusal(who, body.source_unit_id)}
        )


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        422,
        {
            "code": "invalid",
            "message": message,
            "errors": [{"field": field, "type": "value_error", "message": message}],
        },
    )


@router.post("/knowledge", status_code=201, summary="新增知识条目", responses=ERRORS)
async def create_entry(
    who: Editor, body: EntryIn, session: Session, request: Request
) -> dict[str, Any]:
    """Add an entry: admins for any unit, a unit's people for their own unit."""
    _check(who, body, request)
    now = datetime.now(CENTRE_TZ)
    async with session.begin():
        entry_id = await store.create(session, values=body.model_dump(), by=who, at=now)
    log.info("knowledge entry created", entry_id=entry_id, by=who.name)
    return {"entry_id": entry_id, "version": 1}


@router.put("/knowledge/{entry_id}", summary="修改知识条目", responses=ERRORS)
async def update_entry(
    entry_id: EntryId, who: Editor, body: EntryIn, session: Session, request: Request
) -> dict[str, Any]:
    """Change an entry (retire it by setting valid_until); every version is kept."""
    _check(who, body, request)
    now = datetime.now(CENTRE_TZ)
    async with session.begin():
        row = await store.get(session, entry_id, lock=True)
        if row is None:
            raise not_found("知识条目", str(entry_id))
        if not may_manage(who, row["source_unit_id"]):
            raise HTTPException(
                403, {"code": "forbidden", "message": refusal(who, row["source_unit_id"])}
            )
        version = await store.update(
            session, entry_id=entry_id, values=body.model_dump(), by=who, at=now
        )
    log.info("knowledge entry updated", entry_id=entry_id, version=version, by=who.name)
    return {"entry_id": entry_id, "version": version}


@page_router.get(
    "/knowledge",
    dependencies=[Depends(allow(OPERATOR, DISPATCHER, HANDLER, SUPERVISOR, ADMIN, page=True))],
)
async def knowledge_page(request: Request) -> FileResponse:
    """知识库维护: the entries, and a form for the unit's own (an admin's: any unit's)."""
    return FileResponse(request.app.state.static_dir / "knowledge.html")
