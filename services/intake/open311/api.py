"""Open311 GeoReport v2 under /open311/v2/: every method in XML (.xml) and JSON (.json)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response

from services.common.access import Principal, allow, public
from services.common.logging import get_logger
from services.common.metrics import CASES_RECEIVED
from services.intake import progress, store
from services.intake.accept import accept
from services.intake.domain.access import OPEN311_WRITE
from services.intake.domain.model import CENTRE_TZ
from services.intake.limits import check_open311_submit, public_reads
from services.intake.open311 import schemas
from services.intake.open311.catalog import SUBCATEGORY, services
from services.intake.open311.errors import Open311Error, error_reply
from services.intake.open311.forms import RequestForm, to_new_case
from services.intake.open311.render import body
from services.intake.open311.views import CLOSED, OPEN, service_request

log = get_logger(__name__)
router = APIRouter(prefix="/open311/v2", tags=["open311"])
SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_SPAN = timedelta(days=90)
# GET requests answers in pages: page_size requests (default 50, at most MAX_PAGE_SIZE).
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Anyone may read; each address at its own rate (429 beyond, with Retry-After), counted
# before any credential is looked at.
PUBLIC = [Depends(public_reads), Depends(public())]
Submitter = Annotated[Principal, Depends(allow(scopes=(OPEN311_WRITE,)))]

__all__ = ["Open311Error", "error_reply", "router"]

Fmt = Annotated[Literal["xml", "json"], Path(description="响应格式：xml 或 json")]
Jurisdiction = Annotated[str | None, Query(max_length=100)]


def _reply(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    content, media = body(fmt, root, value)
    return Response(content, status_code=status, media_type=f"{media}; charset=utf-8")


def _check_jurisdiction(request: Request, jurisdiction_id: str | None) -> None:
    ours: str = request.app.state.intake_settings.jurisdiction_id
    if jurisdiction_id not in (None, "", ours):
        raise Open311Error(404, f"jurisdiction_id 无效：本接口只服务 {ours}")


@router.get(
    "/discovery.{fmt}", summary="Open311 服务发现", responses=schemas.DISCOVERY, dependencies=PUBLIC
)
async def discovery(fmt: Fmt, request: Request) -> Response:
    """Where the endpoint lives and which formats it speaks."""
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    return _reply(
        fmt,
        "discovery",
        {
            "changeset": "2026-11-23T00:00:00+08:00",
            "contact": "明湖12345 热线受理中心",
            "key_service": "API 密钥由受理中心分发；本地演示环境使用 minhu-demo",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base,
                    "changeset": "2026-11-23T00:00:00+08:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@router.get(
    "/services.{fmt}", summary="服务类型列表", responses=schemas.SERVICES, dependencies=PUBLIC
)
async def list_services(
    fmt: Fmt, request: Request, jurisdiction_id: Jurisdiction = None
) -> Response:
    """Every service: one per level-2 topic, grouped by level-1 topic."""
    _check_jurisdiction(request, jurisdiction_id)
    return _reply(fmt, "services", [s.summary() for s in services().values()])


@router.get(
    "/services/{service_code}.{fmt}",
    summary="服务类型定义",
    responses=schemas.DEFINITION,
    dependencies=PUBLIC,
)
async def service_definition(
    service_code: Annotated[str, Path(max_length=16)],
    fmt: Fmt,
    request: Request,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """The service's attributes (the level-3 subcategory to choose)."""
    _check_jurisdiction(request, jurisdiction_id)
    service = services().get(service_code)
    if service is None:
        raise Open311Error(404, f"未找到服务类型：{service_code}")
    return _reply(fmt, "service_definition", service.definition())


@router.post(
    "/requests.{fmt}",
    summary="提交诉求",
    status_code=201,
    responses=schemas.CREATED,
    # One address guessing keys meets the address's rate before any key is looked up.
    dependencies=[Depends(public_reads)],
)
async def create_request(
    fmt: Fmt, request: Request, form: Annotated[RequestForm, Form()], who: Submitter
) -> Response:
    """Create a case from a form-encoded request; needs a key with scope open311:write.

    The key comes as the spec's `api_key` field or the `X-API-Key` header. One key beyond
    its rate gets 429 with Retry-After.
    """
    check_open311_submit(request, who)
    _check_jurisdiction(request, form.jurisdiction_id)
    service = services().get(form.service_code)
    if service is None:
        raise Open311Error(400, f"service_code 无效：{form.service_code}")
    subcategory = None
    if form.subcategory:
        subcategory = service.subcategory(form.subcategory)
        if subcategory is None:
            raise Open311Error(400, f"attribute[{SUBCATEGORY}] 取值无效：{form.subcategory}")
    new_case, problems = to_new_case(form, service, subcategory)
    if new_case is None:
        raise Open311Error(400, *problems)
    async with request.app.state.sessions() as session:
        done = await accept(session, case=new_case)
    request.app.state.relay.wake()
    if not done.replayed:
        CASES_RECEIVED.labels(new_case.channel).inc()
    log.info("open311 request received", case_no=done.case_no, client=who.name)
    notice = (
        f"重复来电，已并入工单 {done.repeat_of}" if done.repeat_of else "已受理，请记下工单编号"
    )
    return _reply(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": done.case_no,
                "token": done.event_id,
                "service_notice": notice,
                "account_id": form.account_id,
            }
        ],
        status=201,
    )


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Open311Error(400, f"{name} 不是 ISO-8601 时间：{value}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CENTRE_TZ)


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The spec's default: the most recent 90 days; a given range may not span more."""
    if start and end:
        if end - start > MAX_SPAN:
            raise Open311Error(400, "start_date 与 end_date 相隔不能超过 90 天")
        return start, end
    if start:
        return start, start + MAX_SPAN
    end = end or store.utcnow()
    return end - MAX_SPAN, end


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


async def _render(request: Request, session: Any, cases: list[dict[str, Any]]) -> list[Any]:
    """Cases as public service requests, from intake's own records (no other service asked).

    A repeat call shows the progress of the work order it joined.
    """
    catalogue = services()
    decimals = request.app.state.intake_settings.open311_coordinate_decimals
    orders = [c.get("repeat_of") or c["case_no"] for c in cases]
    known = await progress.progress_of(session, orders)
    return [
        service_request(
            case,
            service=catalogue.get(case.get("service_code") or ""),
            progress=known.get(order),
            decimals=decimals,
        )
        for case, order in zip(cases, orders, strict=True)
    ]


Text = Annotated[str | None, Query(max_length=2000)]


@router.get("/requests.{fmt}", summary="查询诉求", responses=schemas.REQUESTS, dependencies=PUBLIC)
async def list_requests(
    fmt: Fmt,
    request: Request,
    service_request_id: Text = None,
    service_code: Text = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    jurisdiction_id: Jurisdiction = None,
    page: Annotated[int, Query(ge=1, le=10_000, description="页码，从 1 开始")] = 1,
    page_size: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"每页条数，默认 {DEFAULT_PAGE_SIZE}，最多 {MAX_PAGE_SIZE}",
        ),
    ] = DEFAULT_PAGE_SIZE,
) -> Response:
    """Requests in the window (default: the last 90 days), newest first, one page at a time.

    Public fields only: no caller's number, name or e-mail; numbers in descriptions are
    masked and coordinates rounded.
    """
    _check_jurisdiction(request, jurisdiction_id)
    statuses = set(_csv(status))
    if statuses - {OPEN, CLOSED}:
        raise Open311Error(400, "status 只能是 open 或 closed")
    start, end = _window(_when(start_date, "start_date"), _when(end_date, "end_date"))
    closed = None if len(statuses) != 1 else statuses == {CLOSED}
    ids = _csv(service_request_id)[:page_size] or None
    async with request.app.state.sessions() as session:
        cases = await store.list_cases(
            session,
            start=start,
            end=end,
            service_codes=_csv(service_code) or None,
            closed=closed,
            ids=ids,
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        answer = await _render(request, session, cases)
    return _reply(fmt, "service_requests", answer)


@router.get(
    "/requests/{service_request_id}.{fmt}",
    summary="查看一个诉求",
    responses=schemas.REQUESTS,
    dependencies=PUBLIC,
)
async def read_request(
    service_request_id: Annotated[str, Path(max_length=20)],
    fmt: Fmt,
    request: Request,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """One request, as a list of one (the spec's shape); public fields only."""
    _check_jurisdiction(request, jurisdiction_id)
    async with request.app.state.sessions() as session:
        case = await store.get_case(session, case_no=service_request_id)
        if case is None:
            raise Open311Error(404, f"未找到诉求：{service_request_id}")
        answer = await _render(request, session, [case])
    return _reply(fmt, "service_requests", answer)


@router.get(
    "/tokens/{token}.{fmt}",
    summary="按受理凭证查诉求编号",
    responses=schemas.TOKENS,
    dependencies=PUBLIC,
)
async def read_token(
    token: Annotated[str, Path(max_length=64)],
    fmt: Fmt,
    request: Request,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """The service_request_id a token from POST requests turned into."""
    _check_jurisdiction(request, jurisdiction_id)
    async with request.app.state.sessions() as session:
        case_no = await store.get_case_by_event(session, event_id=token)
    if case_no is None:
        raise Open311Error(404, f"未找到受理凭证：{token}")
    return _reply(fmt, "service_requests", [{"service_request_id": case_no, "token": token}])
