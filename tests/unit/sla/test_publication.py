from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.common import events
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.sla.activities import build_payload
from services.sla.contracts import Publication, workflow_id

CASE_NO = "20261122000001"
SHANGHAI = timezone(timedelta(hours=8))


def publication(topic: str, **fields: str | int | bool) -> Publication:
    return Publication(
        event_id=f"{workflow_id(CASE_NO)}/1", case_no=CASE_NO, topic=topic, fields=fields
    )


def test_the_workflow_id_is_derived_from_the_case_number() -> None:
    assert workflow_id(CASE_NO) == "case-20261122000001"


def test_an_sla_publication_becomes_case_sla_changed() -> None:
    due = datetime(2026, 11, 23, 17, 30, tzinfo=SHANGHAI)

    kind, message = build_payload(
        publication(
            "sla",
            kind="escalated",
            deadline="accept",
            light="red",
            tier="township",
            unit_id="U-D01-T01",
            due=due.isoformat(),
            from_tier="village",
            escalation_level=1,
        )
    )

    assert kind is events.CASE_SLA_CHANGED
    assert isinstance(message, case_pb2.CaseSlaChanged)
    assert message.case_no == CASE_NO
    assert message.kind == "escalated"
    assert message.deadline == "accept"
    assert message.light == "red"
    assert message.tier == "township"
    assert message.unit_id == "U-D01-T01"
    assert message.from_tier == "village"
    assert message.escalation_level == 1
    assert events.to_datetime(message.due) == due


def test_an_action_publication_becomes_case_action() -> None:
    at = datetime(2026, 11, 22, 9, 5, 1, 250000, tzinfo=UTC)

    kind, message = build_payload(
        publication(
            "action",
            action="accepted",
            actor="张三",
            unit_id="U-D01-T01-V01",
            note="已签收",
            state="accepted",
            at=at.isoformat(),
        )
    )

    assert kind is events.CASE_ACTION
    assert message == case_pb2.CaseAction(
        case_no=CASE_NO,
        action="accepted",
        actor="张三",
        unit_id="U-D01-T01-V01",
        note="已签收",
        state="accepted",
        at=events.timestamp(at),
    )
    assert events.to_datetime(message.at) == at


def test_a_closed_publication_becomes_case_closed() -> None:
    closed_at = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)

    kind, message = build_payload(
        publication(
            "closed", reason="callback_satisfied", note="市民满意", closed_at=closed_at.isoformat()
        )
    )

    assert kind is events.CASE_CLOSED
    assert isinstance(message, case_pb2.CaseClosed)
    assert message.reason == "callback_satisfied"
    assert message.note == "市民满意"
    assert events.to_datetime(message.closed_at) == closed_at
    assert events.to_datetime(message.closed_at).hour == 2


def test_the_payload_fits_the_envelope_of_its_kind() -> None:
    kind, message = build_payload(publication("closed", reason="supervisor"))

    env = events.envelope(kind, message, subject=CASE_NO, source="minhu/sla")
    _, decoded = events.decode(env.SerializeToString())

    assert decoded == message


@pytest.mark.parametrize(
    ("topic", "field"), [("sla", "due"), ("action", "at"), ("closed", "closed_at")]
)
def test_an_empty_timestamp_leaves_the_field_unset(topic: str, field: str) -> None:
    _, message = build_payload(publication(topic, **{field: ""}))

    assert not message.HasField(field)


def test_a_publication_without_fields_carries_only_the_case_number() -> None:
    _, message = build_payload(publication("sla"))

    assert message == case_pb2.CaseSlaChanged(case_no=CASE_NO)


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(AttributeError, match="no_such_field"):
        build_payload(publication("sla", no_such_field="x"))


def test_a_field_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError):
        build_payload(publication("sla", escalation_level="2"))


def test_a_malformed_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="isoformat"):
        build_payload(publication("action", at="yesterday"))


def test_an_unknown_topic_is_refused() -> None:
    with pytest.raises(KeyError):
        build_payload(publication("received"))
