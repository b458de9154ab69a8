"""Sends pending deliveries through their channels: retries with backoff, then dead-letters."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from prometheus_client import Counter

from services.common import events
from services.common.logging import get_logger
from services.common.outbox import OutboxRelay, enqueue, enqueue_many
from services.common.pii import Sealer, Unreadable
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.notify import store
from services.notify.channels import Channel, ChannelError, Delivery
from services.notify.domain.schedule import QuietHours, still_needed
from services.notify.sealing import default_sealer

SOURCE = "minhu/notify"
log = get_logger(__name__)
ATTEMPTS = Counter(
    "minhu_notify_attempts_total",
    "Delivery attempts, by channel and outcome.",
    ["channel", "outcome"],
)
DEAD = Counter("minhu_notify_dead_letters_total", "Deliveries given up, by channel.", ["channel"])
UNREADABLE = "the sealed recipient cannot be opened with the configured keys (MINHU_PII_KEYS)"


class Waits(Protocol):
    """When a failed delivery is tried again (None: give it up)."""

    def after(self, failures: int) -> timedelta | None: ...


class Undeliverable(Exception):
    """A delivery no retry can send (its sealed number opens with no configured key)."""


def delivery_key(event_id: str, channel: str, recipient: str) -> str:
    """The stable id of one notice: receivers deduplicate on it."""
    return events.derived_event_id(event_id, channel, recipient)


def _delivery(row: dict[str, Any], sealer: Sealer) -> Delivery:
    recipient = row["recipient"]  # masked for an SMS; the number to send to is sealed
    if row.get("recipient_sealed"):
        try:
            recipient = sealer.open(row["recipient_sealed"]).phone
        except Unreadable as exc:
            raise Undeliverable(UNREADABLE) from exc
    return Delivery(
        key=delivery_key(row["event_id"], row["channel"], row["recipient"]),
        case_no=row["case_no"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        recipient=recipient,
        template=row["template"],
        body=row["body"],
        params=dict(row["params"] or {}),
    )


def sent_event(row: dict[str, Any], status: str, at: datetime) -> events.Envelope:
    """The notify.sent envelope of a delivery that went out (or was given up)."""
    sent = case_pb2.NotificationSent(
        case_no=row["case_no"],
        event_id=row["event_id"],
        channel=row["channel"],
        recipient=row["recipient"],
        status=status,
        template=row["template"],
        sent_at=events.timestamp(at),
    )
    key = delivery_key(row["event_id"], row["channel"], row["recipient"])
    return events.envelope(
        events.NOTIFICATION_SENT,
        sent,
        subject=row["case_no"],
        source=SOURCE,
        # A delivery given up may be sent again later (`make dlq`): its outcomes differ.
        event_id=key if status == "delivered" else events.derived_event_id(key, status),
        time=at,
    )


async def announce(
    session: Any, outbox: Any, row: dict[str, Any], status: str, at: datetime
) -> None:
    """notify.sent for a delivery that went out (or was given up), in the caller's transaction."""
    await enqueue(session, outbox, events.NOTIFICATION_SENT, sent_event(row, status, at))


async def announce_many(
    session: Any, outbox: Any, sent: list[tuple[dict[str, Any], str]], at: datetime
) -> None:
    """notify.sent for several deliveries in one statement of the caller's transaction."""
    await enqueue_many(
        session,
        outbox,
        [(events.NOTIFICATION_SENT, sent_event(row, status, at)) for row, status in sent],
    )


class Deliverer:
    """Picks due deliveries (locked, so several notify processes share the work) and sends."""

    def __init__(
        self,
        sessions: Any,
        relay: OutboxRelay | None,
        channels: dict[str, Channel],
        backoff: Waits,
        *,
        quiet: QuietHours | None = None,
        idle: float = 1.0,  # woken by the consumer; the idle look finds retries come due
        batch: int = 20,
        sealer: Sealer | None = None,
    ) -> None:
        self.sessions = sessions
        self.relay = relay
        self.channels = channels
        self.backoff = backoff
        self.quiet = quiet or QuietHours()
        self.idle = idle
        self.batch = batch
        self.sealer = sealer or default_sealer()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look now (called after the consumer committed new deliveries)."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            if await self.deliver_once() < self.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.idle)
                self._wake.clear()

    async def deliver_once(self) -> int:
        """One batch of due deliveries; returns how many were attempted."""
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            rows = await store.due(session, now=now, limit=self.batch)
            if not rows:
                return 0
            picked = len(rows)
            rows = await self._withdraw_moot(session, rows, now)
            outcomes = await asyncio.gather(*(self._send(r) for r in rows))
            done = datetime.now(UTC)
            # What went out is settled and announced in two statements for the whole batch.
            sent = [r for r, (error, _) in zip(rows, outcomes, strict=True) if error is None]
            await store.settle_delivered(session, ids=[r["id"] for r in sent], at=done)
            await announce_many(session, store.outbox, [(r, "delivered") for r in sent], done)
            for row in sent:
                ATTEMPTS.labels(row["channel"], "delivered").inc()
            for row, outcome in zip(rows, outcomes, strict=True):
                if outcome[0] is not None:
                    await self._settle(session, row, outcome, done)
        if self.relay is not None:
            self.relay.wake()
        return picked

    async def _withdraw_moot(
        self, session: Any, rows: list[dict[str, Any]], at: datetime
    ) -> list[dict[str, Any]]:
        """Drop what a closed case no longer needs (recorded as withdrawn); the rest."""
        closed = await store.closed_cases(session, {r["case_no"] for r in rows})
        moot = [
            r for r in rows if not still_needed(r["template"], case_closed=r["case_no"] in closed)
        ]
        if moot:
            await store.withdraw(session, ids=[r["id"] for r in moot], at=at)
            await announce_many(session, store.outbox, [(r, "withdrawn") for r in moot], at)
            for row in moot:
                ATTEMPTS.labels(row["channel"], "withdrawn").inc()
        return [r for r in rows if r not in moot]

    async def _send(self, row: dict[str, Any]) -> tuple[str | None, bool]:
        """(error or None, whether the error is final) of one attempt."""
        channel = self.channels.get(row["channel"])
        if channel is None:
            return f"channel {row['channel']} is not configured", False
        try:
            await channel.send(_delivery(row, self.sealer))
        except Undeliverable as exc:
            return str(exc), True
        except ChannelError as exc:
            return str(exc), False
        return None, False

    async def _settle(
        self, session: Any, row: dict[str, Any], outcome: tuple[str | None, bool], at: datetime
    ) -> None:
        """A failed attempt: retried later, or given up and dead-lettered."""
        error, final = outcome
        assert error is not None
        attempts = row["attempts"] + 1
        ATTEMPTS.labels(row["channel"], "failed").inc()
        wait = None if final else self.backoff.after(attempts)
        if wait is None:
            await store.settle(
                session,
                id=row["id"],
                status="dead",
                attempts=attempts,
                last_error=error[:1000],
                next_attempt_at=None,
            )
            await announce(session, store.outbox, row, "dead_letter", at)
            DEAD.labels(row["channel"]).inc()
            log.warning(
                "delivery dead-lettered",
                case_no=row["case_no"],
                channel=row["channel"],
                error=error,
            )
            return
        then = at + wait
        if row["channel"] == "sms" and row["template"].startswith("citizen_"):
            urgent = await store.caller_urgent(session, case_no=row["case_no"])
            then = self.quiet.not_before(then, urgent=urgent)  # never a retry at night
        await store.settle(
            session,
            id=row["id"],
            attempts=attempts,
            last_error=error[:1000],
            next_attempt_at=then,
        )
        log.info(
            "delivery failed, will retry",
            case_no=row["case_no"],
            channel=row["channel"],
            attempts=attempts,
            error=error,
        )
