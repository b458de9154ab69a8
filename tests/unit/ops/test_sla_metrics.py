"""The SLA metrics book: open cases by tier and light, counters from case events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from services.common import events
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.sla.metrics import CaseBook, OpenCasesCollector

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
UNIT = "U-D01-T01-V01"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def dispatched(case_no: str, *, manual: bool = False) -> case_pb2.CaseDispatched:
    return case_pb2.CaseDispatched(
        case_no=case_no,
        tier="village",
        unit_id=UNIT,
        manual=manual,
        dispatched_at=events.timestamp(T0),
    )


def action(case_no: str, name: str, minutes: int, note: str = "") -> case_pb2.CaseAction:
    return case_pb2.CaseAction(
        case_no=case_no,
        action=name,
        unit_id=UNIT,
        note=note,
        at=events.timestamp(T0 + timedelta(minutes=minutes)),
    )


def test_open_cases_follow_lights_escalations_and_closure() -> None:
    book = CaseBook()
    book.apply("e1", dispatched("C1"), count=False)
    book.apply("e2", dispatched("C2"), count=False)
    book.apply("e3", dispatched("C3", manual=True), count=False)
    assert book.open_counts() == {("village", "green", UNIT): 2}
    book.apply(
        "e4",
        case_pb2.CaseSlaChanged(
            case_no="C1",
            kind="breached",
            deadline="accept",
            light="red",
            tier="village",
            unit_id=UNIT,
        ),
        count=False,
    )
    book.apply(
        "e5",
        case_pb2.CaseSlaChanged(
            case_no="C1", kind="escalated", light="green", tier="township", unit_id="U-D01-T01"
        ),
        count=False,
    )
    book.apply("e6", case_pb2.CaseClosed(case_no="C2", reason="callback_satisfied"), count=False)
    assert book.open_counts() == {("township", "green", "U-D01-T01"): 1}
    collector = OpenCasesCollector()
    collector.book = book
    (family,) = list(collector.collect())
    assert [(s.labels, s.value) for s in family.samples] == [
        ({"tier": "township", "light": "green", "unit_id": "U-D01-T01"}, 1)
    ]


def test_counters_move_only_for_fresh_counted_events() -> None:
    book = CaseBook()
    on_time = value("minhu_sla_accepts_total", tier="village", unit_id=UNIT, on_time="true")
    late = value("minhu_sla_accepts_total", tier="village", unit_id=UNIT, on_time="false")
    unsatisfied = value(
        "minhu_sla_callbacks_total", tier="village", unit_id=UNIT, outcome="unsatisfied"
    )
    accepted = value("minhu_sla_time_to_accept_seconds_count", tier="village")
    book.apply("a1", dispatched("D1"), count=True)
    book.apply("a2", action("D1", "accepted", 30), count=True)
    assert book.apply("a2", action("D1", "accepted", 30), count=True) is False  # redelivered
    book.apply("b1", dispatched("D2"), count=True)
    breach = case_pb2.CaseSlaChanged(
        case_no="D2", kind="breached", deadline="accept", light="red", tier="village", unit_id=UNIT
    )
    book.apply("b2", breach, count=True)
    book.apply("b3", action("D2", "accepted", 200), count=True)
    book.apply("b4", action("D2", "callback_recorded", 300, note="不满意 没修好"), count=True)
    book.apply("c1", dispatched("D3"), count=False)
    book.apply("c2", action("D3", "accepted", 5), count=False)  # replayed history
    assert value("minhu_sla_accepts_total", tier="village", unit_id=UNIT, on_time="true") == (
        on_time + 1
    )
    assert value("minhu_sla_accepts_total", tier="village", unit_id=UNIT, on_time="false") == (
        late + 1
    )
    assert value(
        "minhu_sla_callbacks_total", tier="village", unit_id=UNIT, outcome="unsatisfied"
    ) == (unsatisfied + 1)
    assert value("minhu_sla_time_to_accept_seconds_count", tier="village") == accepted + 2
