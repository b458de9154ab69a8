"""intake's progress follower opens no transaction for events that change nothing shown,
and refuses what it cannot apply even inside a batch."""

from __future__ import annotations

import pytest

from services.common import events
from services.common.kafka import PoisonEvent
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.intake.consumer import CaseCloser, CaseFollower, ProgressRecorder

CASE = "20261201000001"


def _no_sessions() -> None:
    raise AssertionError("no transaction was needed")


def follower() -> CaseFollower:
    return CaseFollower(CaseCloser(_no_sessions), ProgressRecorder(_no_sessions))


def sla(kind: str) -> tuple[events.Envelope, case_pb2.CaseSlaChanged]:
    payload = case_pb2.CaseSlaChanged(case_no=CASE, kind=kind, light="yellow")
    env = events.envelope(events.CASE_SLA_CHANGED, payload, subject=CASE, source="minhu/sla")
    return env, payload


async def test_sla_events_the_progress_view_ignores_need_no_transaction() -> None:
    batch = [sla("light_changed"), sla("breached"), sla("progress_reported")]
    assert await follower().apply_batch(batch) == [True, True, True]  # type: ignore[arg-type]
    assert await follower()(*sla("light_changed")) is True


async def test_a_manual_dispatch_shows_nothing_yet_and_needs_no_transaction() -> None:
    payload = case_pb2.CaseDispatched(case_no=CASE, manual=True, unit_id="dispatch")
    env = events.envelope(events.CASE_DISPATCHED, payload, subject=CASE, source="minhu/dispatch")
    assert await follower()(env, payload) is True


async def test_an_event_it_cannot_apply_spoils_the_batch() -> None:
    payload = case_pb2.NotificationSent(case_no=CASE, channel="sms")
    env = events.envelope(events.NOTIFICATION_SENT, payload, subject=CASE, source="minhu/notify")
    with pytest.raises(PoisonEvent):
        await follower().apply_batch([sla("light_changed"), (env, payload)])
