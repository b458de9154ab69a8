"""Alertmanager's webhook receiver: operations alerts become the supervision centre's
(督办中心) in-app notices.

Alertmanager posts each group of alerts to POST /v1/alerts with
`Authorization: Bearer <MINHU_NOTIFY_ALERTMANAGER_TOKEN>`. Each alert is logged once per
fingerprint, start time and state (repeats and retries change nothing) as a delivered
in-app notice to `supervision`, and pushed to the inbox's live clients in the same
transaction. 200 is answered only after the commit, so a failed post is retried.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from prometheus_client import Counter

from services.common.access import Kind, Principal, allow
from services.common.logging import get_logger
from services.common.web import Session
from services.notify import store
from services.notify.domain.alerts import EVENT_TYPE, Notification, notices
from services.notify.domain.plan import IN_APP, SUPERVISION_CENTRE
from services.notify.live import push_many

log = get_logger(__name__)
ALERTMANAGER = "alertmanager"
router = APIRouter(
    prefix="/v1", tags=["alerts"], dependencies=[Depends(allow(callers=(ALERTMANAGER,)))]
)
RECEIVED = Counter(
    "minhu_notify_ops_alerts_total",
    "Alerts received from Alertmanager, by state and whether they were new.",
    ["status", "outcome"],
)


class AlertmanagerToken:
    """Recognises Alertmanager by `Authorization: Bearer <token>` (nobody if unset)."""

    def __init__(self, token: str) -> None:
        self.token = token.encode()

    async def __call__(self, request: Request) -> Principal | None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if not self.token or scheme.lower() != "bearer" or not given:
            return None
        if hmac.compare_digest(given.encode(), self.token):
            return Principal(Kind.SERVICE, name=ALERTMANAGER)
        return None


@router.post(
    "/alerts",
    summary="运维告警（Alertmanager 调用）",
    responses={401: {"description": "未提供有效的 Alertmanager 凭据"}},
)
async def alerts(body: Notification, session: Session) -> dict[str, Any]:
    """Log each alert of the group once as an in-app notice to the supervision centre."""
    now = datetime.now(UTC)
    planned = notices(body)
    fresh: list[dict[str, Any]] = []
    async with session.begin():
        for n in planned:
            row = {
                "case_no": "",  # about the platform, not a case
                "event_id": n.event_id,
                "event_type": EVENT_TYPE,
                "channel": IN_APP,
                "recipient": SUPERVISION_CENTRE,
                "template": n.template,
                "body": n.body,
                "params": n.params,
                "status": "delivered",
                "sent_at": now,
                "delivered_at": now,
            }
            new = await store.record(session, **row)
            RECEIVED.labels(n.status, "new" if new else "repeat").inc()
            if new:
                keys = ("case_no", "recipient", "template", "body", "sent_at")
                fresh.append({k: row[k] for k in keys})
        await push_many(session, fresh)
    for n in planned:
        log.info("ops alert", event_id=n.event_id, **n.params)
    return {"code": "OK", "new": len(fresh), "repeats": len(planned) - len(fresh)}
