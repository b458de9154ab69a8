"""The board keeps each case's request type; direct answers count for the 12345 centre,
praise for nobody's rates."""

from __future__ import annotations

from datetime import UTC, datetime

from services.common import events
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.desk.board.rates import unit_rates
from services.desk.board.rules import (
    ANSWERED_DIRECTLY,
    ASSIGNED,
    CLOSED,
    DISPATCHED,
    RECEIVED,
    fold,
)
from services.desk.record.story import CLOSE_REASONS

CENTRE = "U-D01-DBZX"
UNIT = "U-D01-T01-V01"
WHEN = events.timestamp(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


def received(**values: object) -> dict[str, object]:
    payload = case_pb2.CaseReceived(
        case_no="20261201000001",
        content="请问居住证怎么办",
        **values,  # type: ignore[arg-type]
    )
    return events.fields_of(payload)


def test_the_type_is_kept_and_older_events_keep_none() -> None:
    assert fold(RECEIVED, received(request_type="help"), None).values["request_type"] == "help"
    assert fold(RECEIVED, received(), None).values["request_type"] == ""


def test_a_direct_answer_is_the_centres_assigned_on_time_and_resolved() -> None:
    change = fold(
        RECEIVED,
        received(request_type="consultation", answer="到派出所办理", answer_unit_id=CENTRE),
        None,
    )
    assert change.values["unit_id"] == CENTRE
    marks = [("20261201000001", unit, mark) for unit, mark in change.marks]
    assert (CENTRE, ANSWERED_DIRECTLY) in change.marks
    rates = unit_rates(marks)[CENTRE]
    assert (rates.assigned, rates.accept_due, rates.accepted_on_time) == (1, 1, 1)
    assert (rates.resolve_due, rates.resolved_on_time) == (1, 1)
    assert rates.response == 1.0 and rates.resolution == 1.0 and rates.satisfaction is None


def test_a_direct_answer_closes_resolved() -> None:
    closed = events.fields_of(
        case_pb2.CaseClosed(case_no="20261201000001", reason="answered_directly", closed_at=WHEN)
    )
    change = fold(CLOSED, closed, CENTRE)
    assert change.values["state"] == "closed"
    assert change.values["resolved_at"] == change.values["closed_at"]
    assert CLOSE_REASONS["answered_directly"] == "直接答复，即时办结"


def dispatched(**values: object) -> dict[str, object]:
    payload = case_pb2.CaseDispatched(
        case_no="20261201000001",
        topic="民政",
        difficulty="simple",
        tier="village",
        unit_id=UNIT,
        unit_name="柳岸社区居民委员会",
        dispatched_at=WHEN,
        **values,  # type: ignore[arg-type]
    )
    return events.fields_of(payload)


def test_a_praise_is_no_assignment_and_asks_sla_nothing() -> None:
    praise = fold(DISPATCHED, dispatched(request_type="praise"), None)
    assert praise.marks == [] and not praise.ask_sla
    assert praise.values["request_type"] == "praise"
    complaint = fold(DISPATCHED, dispatched(request_type="complaint"), None)
    assert complaint.marks == [(UNIT, ASSIGNED)] and complaint.ask_sla
