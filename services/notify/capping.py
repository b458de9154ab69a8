"""The per-phone cap applied where citizens' SMS are recorded (consumer and reply answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prometheus_client import Counter

from services.common.logging import get_logger
from services.notify import store
from services.notify.domain.caps import SUPPRESSED, SmsCap, Suppression, is_citizen_sms

log = get_logger(__name__)
SUPPRESSED_SMS = Counter(
    "minhu_notify_sms_suppressed_total", "Citizens' SMS not sent, by reason.", ["reason"]
)


async def hold_back(
    session: Any, row: dict[str, Any], cap: SmsCap, now: datetime
) -> Suppression | None:
    """Mark a citizen SMS about to be recorded as suppressed when its number is over the cap.

    Call it before store.record in the same transaction (the number stays locked until
    commit); other notices pass untouched.
    """
    ref = row.get("recipient_ref")
    if not ref or not is_citizen_sms(row["channel"], row["template"]):
        return None
    verdict = cap.check(await store.citizen_sms_since(session, ref=ref, since=cap.since(now)))
    if verdict is not None:
        row.update(
            status=SUPPRESSED,
            last_error=f"{verdict.reason}: {verdict.detail}",
            next_attempt_at=None,
            delivered_at=None,
        )
    return verdict


async def hold_back_many(
    session: Any, rows: list[dict[str, Any]], cap: SmsCap, now: datetime
) -> list[Suppression | None]:
    """hold_back for the deliveries of one event, every number counted in one round trip;
    an earlier row of the same batch counts against a later one to the same number."""
    capped = [
        bool(r.get("recipient_ref")) and is_citizen_sms(r["channel"], r["template"]) for r in rows
    ]
    refs = [r["recipient_ref"] for r, c in zip(rows, capped, strict=True) if c]
    counts = await store.citizen_sms_counts(session, refs=refs, since=cap.since(now))
    verdicts: list[Suppression | None] = []
    for row, c in zip(rows, capped, strict=True):
        verdict = None
        if c:
            ref = row["recipient_ref"]
            verdict = cap.check(counts[ref])
            if verdict is None:
                counts[ref] += 1
            else:
                row.update(
                    status=SUPPRESSED,
                    last_error=f"{verdict.reason}: {verdict.detail}",
                    next_attempt_at=None,
                    delivered_at=None,
                )
        verdicts.append(verdict)
    return verdicts


def suppressed(row: dict[str, Any], verdict: Suppression) -> None:
    """Count and log a suppressed SMS once it is recorded (the number only masked)."""
    SUPPRESSED_SMS.labels(verdict.reason).inc()
    log.info(
        "citizen sms suppressed",
        case_no=row["case_no"],
        template=row["template"],
        recipient=row["recipient"],
        reason=verdict.reason,
        detail=verdict.detail,
    )
