from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.common import events
from services.common.events import Envelope, UnreadableEvent
from services.common.proto_gen.minhu.events.v1 import case_pb2

CASE_NO = "20261122000001"
SOURCE = "minhu/test"
AT = datetime(2026, 11, 22, 8, 30, 15, tzinfo=UTC)


def received() -> case_pb2.CaseReceived:
    payload = case_pb2.CaseReceived(
        case_no=CASE_NO,
        channel="phone",
        caller_phone="13800138000",
        title="路灯不亮",
        content="柳岸路的路灯坏了三天",
        urgent=True,
    )
    payload.received_at.CopyFrom(events.timestamp(AT))
    return payload


def raw_envelope(**fields: object) -> bytes:
    """An envelope built field by field, bypassing the checks of events.envelope()."""
    values: dict[str, object] = {
        "id": "evt-1",
        "source": SOURCE,
        "type": events.CASE_RECEIVED.name,
        "subject": CASE_NO,
        "data": received().SerializeToString(),
    }
    values.update(fields)
    return Envelope(**values).SerializeToString()


def test_an_envelope_survives_the_wire() -> None:
    env = events.envelope(
        events.CASE_RECEIVED, received(), subject=CASE_NO, source=SOURCE, event_id="evt-1", time=AT
    )

    decoded, payload = events.decode(env.SerializeToString())

    assert decoded.id == "evt-1"
    assert decoded.type == "minhu.case.received.v1"
    assert decoded.subject == CASE_NO
    assert decoded.source == SOURCE
    assert decoded.spec_version == events.SPEC_VERSION
    assert decoded.data_content_type == events.CONTENT_TYPE
    assert events.to_datetime(decoded.time) == AT
    assert isinstance(payload, case_pb2.CaseReceived)
    assert payload == received()
    assert payload.title == "路灯不亮"
    assert payload.urgent
    assert events.to_datetime(payload.received_at) == AT


def test_an_envelope_without_an_id_or_time_gets_fresh_ones() -> None:
    before = datetime.now(UTC)

    first = events.envelope(events.CASE_RECEIVED, received(), subject=CASE_NO, source=SOURCE)
    second = events.envelope(events.CASE_RECEIVED, received(), subject=CASE_NO, source=SOURCE)

    assert first.id and second.id and first.id != second.id
    assert events.to_datetime(first.time) >= before


def test_envelope_refuses_a_payload_of_another_type() -> None:
    wrong = case_pb2.CaseClosed(case_no=CASE_NO, reason="supervisor")

    with pytest.raises(TypeError, match="CaseReceived"):
        events.envelope(events.CASE_RECEIVED, wrong, subject=CASE_NO, source=SOURCE)


def test_every_kind_maps_its_name_to_itself() -> None:
    assert {kind.topic for kind in events.KINDS.values()} == {
        events.Topic.RECEIVED,
        events.Topic.DISPATCHED,
        events.Topic.SLA,
        events.Topic.ACTION,
        events.Topic.CLOSED,
        events.Topic.NOTIFY_SENT,
    }
    for name, kind in events.KINDS.items():
        assert kind.name == name


def test_the_raw_envelope_helper_builds_a_readable_event() -> None:
    env, payload = events.decode(raw_envelope())

    assert env.id == "evt-1"
    assert payload == received()


@pytest.mark.parametrize("raw", [b"", None], ids=["empty", "none"])
def test_an_empty_record_is_unreadable(raw: bytes | None) -> None:
    with pytest.raises(UnreadableEvent, match="empty"):
        events.decode(raw)


@pytest.mark.parametrize("raw", [b"garbage bytes", b"\xff\xff\xff", b"\x00"])
def test_bytes_that_are_no_envelope_are_unreadable(raw: bytes) -> None:
    with pytest.raises(UnreadableEvent, match="not an envelope"):
        events.decode(raw)


def test_an_unknown_event_type_is_unreadable() -> None:
    with pytest.raises(UnreadableEvent, match="unknown event type"):
        events.decode(raw_envelope(type="minhu.case.teleported.v1"))


@pytest.mark.parametrize("missing", ["id", "subject"])
def test_an_envelope_without_id_or_subject_is_unreadable(missing: str) -> None:
    with pytest.raises(UnreadableEvent, match="without id or subject"):
        events.decode(raw_envelope(**{missing: ""}))


def test_a_payload_of_another_message_is_unreadable() -> None:
    # CaseSlaChanged field 7 is a Timestamp; in CaseReceived field 7 is a string, and the
    # Timestamp's bytes are not valid UTF-8.
    sla = case_pb2.CaseSlaChanged(case_no=CASE_NO, kind="breached")
    sla.due.CopyFrom(events.timestamp(AT))

    with pytest.raises(UnreadableEvent, match="payload is not CaseReceived"):
        events.decode(raw_envelope(data=sla.SerializeToString()))


def test_a_truncated_payload_is_unreadable() -> None:
    truncated = received().SerializeToString()[:-3]

    with pytest.raises(UnreadableEvent, match="payload is not CaseReceived"):
        events.decode(raw_envelope(data=truncated))


def test_unreadable_event_is_a_value_error() -> None:
    assert issubclass(UnreadableEvent, ValueError)


def test_derived_event_id_is_stable_for_the_same_cause() -> None:
    first = events.derived_event_id("case-20261122000001", "7")

    assert first == events.derived_event_id("case-20261122000001", "7")
    assert first != events.derived_event_id("case-20261122000001", "8")
    assert first != events.derived_event_id("case-20261122000002", "7")
    assert first != events.derived_event_id("case-20261122000001")


def test_new_event_ids_are_unique() -> None:
    assert len({events.new_event_id() for _ in range(100)}) == 100


def test_timestamps_keep_the_instant_of_a_non_utc_datetime() -> None:
    shanghai = timezone(timedelta(hours=8))
    local = datetime(2026, 11, 22, 9, 15, 30, 123456, tzinfo=shanghai)

    back = events.to_datetime(events.timestamp(local))

    assert back == local
    assert back.utcoffset() == timedelta(0)
    assert back.hour == 1
    assert back.microsecond == 123456
    assert events.timestamp(local).seconds == int(local.timestamp())
