"""Citizens' SMS replies (上行短信) to the callback survey.

The SMS provider POSTs each reply to /provider/sms/inbound with the gateway key; notify keeps
it (one row per provider message id, so a reply delivered twice is kept once) and answers
200 only after the commit. A worker then applies each kept reply once: it finds the phone's
most recent survey, tells sla the outcome (`POST /v1/cases/{case_no}/callback`), retries
what fails transiently with backoff, and answers the citizen by SMS through the delivery log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter, Depends, Request
from prometheus_client import Counter
from pydantic import BaseModel, Field

from services.common import events
from services.common.access import Kind, Principal, allow
from services.common.inputs import TEXT
from services.common.logging import get_logger
from services.common.pii import masked
from services.common.web import Session
from services.notify import store
from services.notify.capping import hold_back, suppressed
from services.notify.deliver import announce
from services.notify.domain import Templates
from services.notify.domain.caps import SUPPRESSED, SmsCap
from services.notify.domain.plan import SMS
from services.notify.domain.replies import SURVEY_TEMPLATES, Answer, read_reply
from services.notify.domain.schedule import Backoff
from services.notify.sealing import sealed_phone

log = get_logger(__name__)
# The SMS provider is a caller of its own: it shows the gateway key, not a service token.
GATEWAY = "sms-gateway"
router = APIRouter(
    prefix="/provider", tags=["provider"], dependencies=[Depends(allow(callers=(GATEWAY,)))]
)
REPLIES = Counter(
    "minhu_notify_sms_replies_total", "Citizens' SMS replies, by outcome.", ["outcome"]
)
REPLY_EVENT = "minhu.sms.reply.v1"  # event_type of the answers in the delivery log
ACTOR = "短信回访"


class InboundSms(BaseModel):
    """One mobile-originated SMS as the gateway forwards it."""

    msg_id: str = Field(min_length=1, max_length=64, pattern=TEXT, description="网关的上行短信编号")
    mobile: str = Field(pattern=r"^\+?\d{5,20}$", description="发送号码")
    content: str = Field(max_length=1000, pattern=TEXT, description="短信内容")
    received_at: datetime | None = None


class GatewayKey:
    """Recognises the SMS provider by `Authorization: Bearer <gateway key>` (none if unset)."""

    def __init__(self, key: str) -> None:
        self.key = key.encode()

    async def __call__(self, request: Request) -> Principal | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if not self.key or scheme.lower() != "bearer" or not token:
            return None
        if hmac.compare_digest(token.encode(), self.key):
            return Principal(Kind.SERVICE, name=GATEWAY)
        return None


@router.post(
    "/sms/inbound",
    summary="上行短信回调（短信网关调用）",
    responses={401: {"description": "未提供有效的短信网关密钥"}},
)
async def inbound(body: InboundSms, request: Request, session: Session) -> dict[str, Any]:
    """Keep a citizen's reply durably, once per gateway message id; applied afterwards."""
    now = datetime.now(UTC)
    phone = body.mobile.removeprefix("+86")
    sealed, ref = sealed_phone(phone)
    async with session.begin():
        fresh = await store.keep_reply(
            session,
            msg_id=body.msg_id,
            phone=masked(phone),
            phone_sealed=sealed,
            phone_ref=ref,
            text=body.content,
            received_at=body.received_at or now,
            status="pending",
            next_attempt_at=now,
        )
    worker: ReplyWorker | None = getattr(request.app.state, "replies", None)
    if worker is not None:
        worker.wake()
    return {"code": "OK", "duplicate": not fresh}


class Transient(Exception):
    """sla could not take the outcome now; the reply is tried again later."""


class ReplyWorker:
    """Applies kept replies: one survey outcome to sla, one answer SMS, each at most once."""

    def __init__(
        self,
        sessions: Any,
        templates: Templates,
        sla_url: str,
        headers: dict[str, str],
        backoff: Backoff,
        *,
        wake_deliverer: Any = None,
        cap: SmsCap | None = None,
        idle: float = 0.5,
        timeout: float = 10.0,
    ) -> None:
        self.sessions = sessions
        self.templates = templates
        self.backoff = backoff
        self.wake_deliverer = wake_deliverer
        self.cap = cap or SmsCap()
        self.idle = idle
        self.client = httpx.AsyncClient(
            base_url=sla_url.rstrip("/"), headers=headers, timeout=timeout
        )
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look now (a reply was just kept)."""
        self._wake.set()

    async def run(self) -> None:
        """Apply replies until cancelled."""
        try:
            while True:
                if not await self.apply_once():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=self.idle)
                    self._wake.clear()
        finally:
            await self.client.aclose()

    async def apply_once(self) -> int:
        """Apply the due replies (locked, so several notify processes share them)."""
        answered = 0
        async with self.sessions() as session, session.begin():
            for row in await store.due_replies(session, now=datetime.now(UTC), limit=10):
                answered += await self._apply(session, row)
        if answered and self.wake_deliverer is not None:
            self.wake_deliverer()
        return answered

    async def _apply(self, session: Any, row: dict[str, Any]) -> int:
        now = datetime.now(UTC)
        answer = read_reply(row["text"])
        case_no = None
        if row["phone_ref"]:
            case_no = await store.last_survey(
                session, ref=row["phone_ref"], templates=SURVEY_TEMPLATES
            )
        if case_no is None:
            # Not an answer to any survey of ours: kept, but nobody is told and nothing sent.
            await self._settle(session, row, "no_survey", now, case_no=None, answer=answer)
            return 1
        if not answer.readable:
            await self._answer(session, row, case_no, answer, now)
            await self._settle(session, row, "unreadable", now, case_no=case_no, answer=answer)
            return 1
        try:
            refused = await self._tell_sla(case_no, row, answer)
        except Transient as exc:
            await self._retry(session, row, str(exc), now)
            return 1
        if refused is not None:
            # sla refused it (the case is no longer awaiting its callback): no thanks sent.
            await self._settle(
                session, row, "refused", now, case_no=case_no, answer=answer, error=refused
            )
            return 1
        await self._answer(session, row, case_no, answer, now)
        await self._settle(session, row, "applied", now, case_no=case_no, answer=answer)
        return 1

    async def _tell_sla(self, case_no: str, row: dict[str, Any], answer: Answer) -> str | None:
        """None when sla recorded the callback; sla's reason when it refused it."""
        body = {
            "actor": ACTOR,
            "satisfied": answer.satisfied,
            "reached": True,
            # The message id lets a retry recognise its own earlier, unacknowledged success.
            "note": f"短信回复：{row['text'].strip()[:200]}（上行编号 {row['msg_id']}）",
        }
        try:
            resp = await self.client.post(f"/v1/cases/{case_no}/callback", json=body)
        except httpx.HTTPError as exc:
            raise Transient(f"sla unreachable: {type(exc).__name__}") from exc
        if resp.status_code < 300:
            return None
        # A closed case's workflow has ended, so sla answers 404 to it, 409 to other refusals.
        refused = resp.status_code in (404, 409)
        if refused and await self._recorded_before(case_no, row["msg_id"]):
            return None  # applied by an earlier attempt whose answer was lost
        if resp.status_code in (404, 409, 422):
            return f"sla answered {resp.status_code}: {resp.text[:300]}"
        raise Transient(f"sla answered {resp.status_code}: {resp.text[:200]}")

    async def _recorded_before(self, case_no: str, msg_id: str) -> bool:
        """Whether the case's history already holds the callback this reply made."""
        try:
            resp = await self.client.get(f"/v1/cases/{case_no}")
        except httpx.HTTPError as exc:
            raise Transient(f"sla unreachable: {type(exc).__name__}") from exc
        if resp.status_code == 404:
            return False
        if resp.status_code != 200:
            raise Transient(f"sla status answered {resp.status_code}")
        # A satisfied reply closes the case, an unsatisfied one reopens it: either way the
        # transition carries the reply's note, and with it the message id.
        return any(msg_id in str(t.get("note", "")) for t in resp.json().get("history", []))

    async def _answer(
        self, session: Any, row: dict[str, Any], case_no: str, answer: Answer, now: datetime
    ) -> None:
        """The SMS back to the citizen, through the delivery log (retried, deduplicated)."""
        body = self.templates.render(answer.template, case_no=case_no)
        delivery: dict[str, Any] = {
            "case_no": case_no,
            "event_id": events.derived_event_id(row["msg_id"], "sms-reply"),
            "event_type": REPLY_EVENT,
            "channel": SMS,
            # The number as the reply keeps it: masked, sealed and indexed.
            "recipient": row["phone"],
            "recipient_sealed": row["phone_sealed"],
            "recipient_ref": row["phone_ref"],
            "template": answer.template,
            "body": body,
            "params": {"case_no": case_no},
            "status": "pending",
            "sent_at": now,
            "next_attempt_at": now,  # the citizen just wrote: an answer now is no disturbance
        }
        verdict = await hold_back(session, delivery, self.cap, now)
        if await store.record(session, **delivery) and verdict is not None:
            suppressed(delivery, verdict)
            await announce(session, store.outbox, delivery, SUPPRESSED, now)

    async def _settle(
        self,
        session: Any,
        row: dict[str, Any],
        status: str,
        now: datetime,
        *,
        case_no: str | None,
        answer: Answer,
        error: str | None = None,
    ) -> None:
        await store.settle_reply(
            session,
            id=row["id"],
            status=status,
            case_no=case_no,
            outcome=answer.outcome,
            attempts=row["attempts"] + 1,
            next_attempt_at=None,
            last_error=error,
            settled_at=now,
        )
        REPLIES.labels(status).inc()
        log.info("sms reply settled", case_no=case_no, status=status, outcome=answer.outcome)

    async def _retry(self, session: Any, row: dict[str, Any], error: str, now: datetime) -> None:
        attempts = row["attempts"] + 1
        wait = self.backoff.after(attempts)
        if wait is None:
            await store.settle_reply(
                session,
                id=row["id"],
                status="dead",
                attempts=attempts,
                next_attempt_at=None,
                last_error=error[:1000],
                settled_at=now,
            )
            REPLIES.labels("dead").inc()
            log.warning("sms reply given up", msg_id=row["msg_id"], error=error)
            return
        await store.settle_reply(
            session, id=row["id"], attempts=attempts, next_attempt_at=now + wait, last_error=error
        )
        log.info("sms reply will be retried", msg_id=row["msg_id"], attempts=attempts, error=error)
