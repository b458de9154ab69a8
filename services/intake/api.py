"""Intake's HTTP API: create, read and find cases, and a case's timeline across services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.common.access import ROLES, Kind, Principal, allow
from services.common.access.roles import ADMIN, DISPATCHER, OPERATOR, SUPERVISOR
from services.common.errors import not_found
from services.common.logging import case_context, get_logger
from services.common.metrics import CASES_RECEIVED
from services.common.request_types import RequestType, suggest
from services.common.tracing import case_span
from services.common.web import Session
from services.intake import progress, store
from services.intake.accept import KeyConflict, accept
from services.intake.domain import CASE_NO_PATTERN, Channel, body_fingerprint
from services.intake.domain.access import CASES_READ, CASES_WRITE, masked_case, masked_timeline
from services.intake.limits import check_submit
from services.intake.schemas import ERRORS, CaseCreated, CaseIn, CaseOut, Me, Timeline
from services.intake.timeline import Peers, build_timeline, peer_client

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["cases"])


CaseNo = Annotated[str, Path(pattern=CASE_NO_PATTERN, description="工单编号")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="重试时带同一个键：同键同内容返回同一工单，同键不同内容返回 409",
    ),
]


def peers_dep(request: Request) -> Peers:
    """Where dispatch, sla and notify answer."""
    peers: Peers = request.app.state.peers
    return peers


PeersDep = Annotated[Peers, Depends(peers_dep)]

# Who may do what here. Supervisors read a case by number but do not look callers up by
# number: a phone look-up ties a number to its cases, which only the roles that call
# citizens back (PHONE_ROLES) need. Answers are masked whoever asks.
# The desk files grid workers' patrol reports (巡查上报), naming the worker as operator.
Submitter = Annotated[
    Principal,
    Depends(allow(OPERATOR, DISPATCHER, ADMIN, callers=("desk",), scopes=(CASES_WRITE,))),
]
CaseReader = Depends(allow(OPERATOR, DISPATCHER, SUPERVISOR, ADMIN, scopes=(CASES_READ,)))
PhoneReader = Depends(allow(OPERATOR, DISPATCHER, ADMIN, scopes=(CASES_READ,)))
TimelineReader = Depends(allow(OPERATOR, DISPATCHER, ADMIN))
Person = Annotated[Principal, Depends(allow(*ROLES))]


def _invalid(field: str, message: str) -> RequestValidationError:
    """A 422 naming one field, for rules that span several fields."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "ctx": {"error": message}}]
    )


def _operator(body: CaseIn, who: Principal) -> str | None:
    """The case's operator: the signed-in person, or what an API client names."""
    if not who.is_person:
        return body.operator
    if body.operator and body.operator != who.name:
        raise _invalid("operator", f"接线员即当前登录用户（{who.name}），不能代他人受理")
    return who.name


def _check_on_spot(body: CaseIn, who: Principal) -> None:
    """就地办结 is the grid worker's: filed through the desk's patrol page only."""
    if not body.on_spot_note:
        return
    if who.kind is not Kind.SERVICE or who.name != "desk":
        raise _invalid("on_spot_note", "就地办结只能由网格员在网格巡查页面提交")


def _check(body: CaseIn) -> None:
    if body.anonymous and body.callback_consent:
        raise _invalid("callback_consent", "匿名来电无法回访，请取消勾选同意回访")
    if not body.anonymous and not body.caller_phone:
        raise _invalid("caller_phone", "此项为必填项；来电人不愿留号码时请勾选匿名")
    if body.answer and body.request_type is not RequestType.CONSULTATION:
        raise _invalid("answer", "只有咨询件可以直接答复办结；其他类型的诉求请派单办理")
    if body.on_spot_note and (body.channel is not Channel.GRID_PATROL or not body.grid_code):
        raise _invalid("on_spot_note", "只有网格巡查上报（须有网格编码）可以就地办结")
    if (body.latitude is None) != (body.longitude is None):
        missing = "longitude" if body.longitude is None else "latitude"
        raise _invalid(missing, "经纬度须同时填写")


@router.post(
    "/cases",
    status_code=201,
    response_model=CaseCreated,
    summary="受理一个诉求",
    responses={
        200: {"model": CaseCreated, "description": "同一 Idempotency-Key 的重试：返回原工单"},
        409: {"model": ERRORS["4XX"]["model"], "description": "Idempotency-Key 已用于其他内容"},
        413: {"model": ERRORS["4XX"]["model"], "description": "请求内容超过上限"},
        401: {"model": ERRORS["4XX"]["model"], "description": "未登录或 API 密钥无效"},
        403: {"model": ERRORS["4XX"]["model"], "description": "无权受理（角色或密钥权限不足）"},
        429: {"model": ERRORS["4XX"]["model"], "description": "该接线员或 API 密钥提交过于频繁"},
        **ERRORS,
    },
)
async def create_case(
    who: Submitter,
    body: CaseIn,
    session: Session,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Store the case (a repeat call is linked to the caller's open case), then wake the relay.

    A signed-in person is the case's operator (a body naming someone else is refused); an
    API client may name its own operator id. Each person and each client has its own rate.
    """
    operator = _operator(body, who)
    _check(body)
    _check_on_spot(body, who)
    check_submit(request, who)
    fields = body.model_dump(mode="json")
    fields["operator"] = operator
    if body.request_type is None:
        fields["request_type"] = suggest(f"{body.title or ''} {body.content}").type.value
    if body.answer:
        # The operator's unit; an API client answers for the 12345 centre.
        fields["answer_unit_id"] = who.unit_id or request.app.state.centre_unit_id
    else:
        fields.update(answer=None, answer_source=None)
    if body.anonymous:
        # Nobody can be called back: keep no half-identity that suggests otherwise.
        fields.update(caller_phone=None, callback_consent=False)
    try:
        done = await accept(
            session,
            case=store.NewCase(**fields),
            key=idempotency_key,
            fingerprint=body_fingerprint(fields),
        )
    except KeyConflict as exc:
        raise HTTPException(
            409,
            {
                "code": "idempotency_key_reused",
                "message": "该 Idempotency-Key 已用于内容不同的另一次提交，请换一个键",
            },
        ) from exc
    if not done.replayed and done.repeat_of is None:
        request.app.state.relay.wake()
    if not done.replayed:
        CASES_RECEIVED.labels(body.channel.value).inc()
    with case_context(done.case_no), case_span("case received", done.case_no):
        log.info(
            "case received",
            by=f"{who.kind}:{who.name}",
            channel=body.channel.value,
            urgent=body.urgent,
            repeat_of=done.repeat_of,
            replayed=done.replayed,
        )
    if done.repeat_of:
        message = f"重复来电：已并入未办结的工单 {done.repeat_of}，不另行派单"
    elif done.status == store.CLOSED and body.on_spot_note:
        message = "已就地办结，计入本网格，不派单"
    elif done.status == store.CLOSED:
        message = "已直接答复，工单即时办结，不派单"
    elif fields["request_type"] == RequestType.PRAISE:
        message = "受理成功：表扬将转达承办单位，不计办理时限"
    else:
        message = "受理成功"
    created = CaseCreated(
        case_no=done.case_no,
        status=done.status,
        repeat_of=done.repeat_of,
        request_type=fields["request_type"],
        message=message,
    )
    return JSONResponse(
        created.model_dump(),
        status_code=200 if done.replayed else 201,
        headers={"Idempotent-Replayed": "true"} if done.replayed else None,
    )


@router.get(
    "/cases/{case_no}",
    response_model=CaseOut,
    summary="查看一个诉求",
    responses=ERRORS,
    dependencies=[CaseReader],
)
async def read_case(case_no: CaseNo, session: Session) -> dict[str, Any]:
    """The case as received, with the repeat calls linked to it; number and name masked."""
    case = await store.get_case(session, case_no=case_no)
    if case is None:
        raise not_found("工单", case_no)
    return masked_case(case)


@router.get(
    "/cases",
    response_model=list[CaseOut],
    summary="按来电号码查找诉求",
    responses=ERRORS,
    dependencies=[PhoneReader],
)
async def find_cases(
    session: Session,
    phone: Annotated[str, Query(min_length=3, max_length=32, description="来电号码")],
) -> list[dict[str, Any]]:
    """A caller's cases, newest first (stored numbers carry no spaces); answers are masked."""
    found = await store.find_cases(session, phone=phone.replace(" ", ""))
    orders = [c["repeat_of"] or c["case_no"] for c in found]
    known = await progress.progress_of(session, orders)
    return [
        masked_case({**c, "state": state_of(c, known.get(o))})
        for c, o in zip(found, orders, strict=True)
    ]


def state_of(case: dict[str, Any], progress_row: dict[str, Any] | None) -> str:
    """Where a listed case stands: closed, merged, the state intake heard last, or received."""
    if case.get("closed_at"):
        return "closed"
    if case.get("repeat_of"):
        return "merged"
    return str((progress_row or {}).get("state") or "received")


@router.get(
    "/cases/{case_no}/timeline",
    response_model=Timeline,
    summary="诉求全流程",
    responses=ERRORS,
    dependencies=[TimelineReader],
)
async def read_timeline(case_no: CaseNo, session: Session, peers: PeersDep) -> dict[str, Any]:
    """The case with its assignment, SLA status and notifications from the other services.

    A repeat call has no work order of its own: its timeline follows the case it joined.
    Numbers and names are masked; the desk shows them in full, audited.
    """
    case = await store.get_case(session, case_no=case_no)
    if case is None:
        raise not_found("工单", case_no)
    await session.close()  # give the connection back before waiting on other services
    work_order = case["repeat_of"] or case_no
    async with peer_client(peers) as client:
        timeline = await build_timeline(case, peers=peers, client=client, work_order=work_order)
    return masked_timeline(timeline)


@router.get("/me", response_model=Me, summary="当前登录用户", responses=ERRORS)
async def me(who: Person, request: Request) -> Me:
    """Who is signed in, and the token the console sends back on every change (X-CSRF-Token)."""
    desk = request.app.state.desk_url
    return Me(
        username=who.name,
        name=who.display_name or who.name,
        role=who.role,
        unit_id=who.unit_id,
        csrf=who.csrf,
        logout_url=f"{desk}/logout",
        desk_url=desk,
    )
