"""notify reads the caller from the sealed form (and from older events' plain fields), and
sends nobody's name or number on to webhook subscribers."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from services.common import events
from services.common.kafka import PoisonEvent
from services.common.pii import Caller, Sealer, local_index_key, local_keys
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.notify.consumer import _caller, _known_caller, webhook_body
from services.notify.deliver import UNREADABLE, Undeliverable, _delivery
from services.notify.sealing import sms_recipient

SEALER = Sealer(local_keys(), local_index_key())
OTHER = Sealer([Fernet.generate_key().decode()], "another-index-key")
PHONE = "13812345678"


def received(**kw: object) -> case_pb2.CaseReceived:
    return case_pb2.CaseReceived(case_no="20261201000001", content="路灯坏了", **kw)  # type: ignore[arg-type]


def test_the_sealed_caller_is_opened() -> None:
    sealed = SEALER.seal(Caller("张女士", PHONE))
    fields = events.fields_of(received(caller_sealed=sealed, callback_consent=True))
    caller = _caller(fields, SEALER)
    assert caller is not None and caller.phone == PHONE and caller.callback_consent


def test_an_older_event_with_the_plain_number_still_works() -> None:
    caller = _caller(events.fields_of(received(caller_phone=PHONE)), SEALER)
    assert caller is not None and caller.phone == PHONE


def test_an_event_naming_nobody_has_no_caller() -> None:
    assert _caller(events.fields_of(received(anonymous=True)), SEALER) is None


def test_sealed_data_no_key_opens_is_dead_lettered_with_the_reason() -> None:
    sealed = OTHER.seal(Caller("张女士", PHONE))
    with pytest.raises(PoisonEvent, match="cannot be opened"):
        _caller(events.fields_of(received(caller_sealed=sealed)), SEALER)
    known = {"caller_sealed": sealed, "anonymous": False, "callback_consent": False}
    with pytest.raises(PoisonEvent, match="stored caller of case 20261201000001"):
        _known_caller({**known, "urgent": False}, SEALER, "20261201000001")


def test_a_pseudonymised_caller_is_no_caller() -> None:
    known = {"caller_sealed": None, "anonymous": False, "callback_consent": True, "urgent": False}
    assert _known_caller(known, SEALER, "20261201000001") is None


def test_webhook_bodies_carry_no_name_number_or_sealed_form() -> None:
    payload = received(
        caller_name="张女士",
        caller_phone=PHONE,
        caller_sealed=SEALER.seal(Caller("张女士", PHONE)),
        caller_ref=SEALER.index(PHONE),
    )
    env = events.envelope(
        events.CASE_RECEIVED, payload, subject="20261201000001", source="minhu/intake"
    )
    body = webhook_body(env, events.fields_of(payload))
    data = json.loads(body)["data"]
    assert not {"caller_name", "caller_phone", "caller_sealed", "caller_ref"} & set(data)
    assert PHONE not in body and "张女士" not in body and data["content"] == "路灯坏了"


def _row(**kw: object) -> dict[str, object]:
    return {
        "event_id": "e1",
        "channel": "sms",
        "case_no": "20261201000001",
        "event_type": "minhu.case.received.v1",
        "template": "citizen_received",
        "body": "您的诉求已受理",
        "params": {},
        **kw,
    }


def test_an_sms_is_stored_masked_and_sent_to_the_opened_number() -> None:
    stored = sms_recipient(PHONE, SEALER)
    assert stored["recipient"] == "138****5678"
    assert stored["recipient_ref"] == SEALER.index(PHONE)
    assert PHONE not in str(stored)
    delivery = _delivery(_row(**stored), SEALER)
    assert delivery.recipient == PHONE


def test_an_sms_whose_number_no_key_opens_is_undeliverable() -> None:
    with pytest.raises(Undeliverable, match="cannot be opened"):
        _delivery(_row(**sms_recipient(PHONE, OTHER)), SEALER)
    assert "MINHU_PII_KEYS" in UNREADABLE
