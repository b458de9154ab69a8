"""Intake stores and announces the caller only sealed; reading a case opens it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from cryptography.fernet import Fernet

from services.common import events
from services.common.pii import Caller, Sealer, local_index_key, local_keys
from services.intake import store

SEALER = Sealer(local_keys(), local_index_key())
PHONE = "13812345678"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def new(**kw: object) -> store.NewCase:
    return store.NewCase(channel="phone", content="路灯坏了", **kw)  # type: ignore[arg-type]


def test_a_case_is_sealed_with_the_numbers_blind_index() -> None:
    sealed, ref = store.sealed_caller(new(caller_phone=PHONE, caller_name="张女士"), SEALER)
    assert sealed is not None and PHONE not in sealed and "张女士" not in sealed
    assert SEALER.open(sealed) == Caller("张女士", PHONE)
    assert ref == SEALER.index(PHONE) == store.caller_ref("138 1234 5678", SEALER)


def test_a_caller_who_gave_nothing_is_not_sealed() -> None:
    assert store.sealed_caller(new(anonymous=True), SEALER) == (None, None)


def test_case_received_carries_the_sealed_form_and_no_plain_field() -> None:
    case = new(caller_phone=PHONE, caller_name="张女士")
    sealed, ref = store.sealed_caller(case, SEALER)
    env = store._received_event("20261201000001", case, NOW, sealed=sealed, ref=ref)
    _, payload = events.decode(env.SerializeToString())
    assert payload.caller_phone == "" and payload.caller_name == ""  # type: ignore[attr-defined]
    assert payload.caller_sealed == sealed and payload.caller_ref == ref  # type: ignore[attr-defined]
    assert PHONE.encode() not in env.SerializeToString()
    assert "张女士".encode() not in env.SerializeToString()


def _row(**values: object) -> SimpleNamespace:
    return SimpleNamespace(_mapping={"case_no": "20261201000001", **values})


def test_a_read_case_has_its_caller_opened_and_no_sealed_fields() -> None:
    sealed = SEALER.seal(Caller("张女士", PHONE))
    case = store._opened(_row(caller_sealed=sealed, caller_ref="r"), SEALER)
    assert case["caller_name"] == "张女士" and case["caller_phone"] == PHONE
    assert "caller_sealed" not in case and "caller_ref" not in case


def test_a_pseudonymised_or_unreadable_caller_reads_as_nobody() -> None:
    gone = store._opened(_row(caller_sealed=None, caller_ref=None), SEALER)
    assert gone["caller_name"] is None and gone["caller_phone"] is None
    other = Sealer([Fernet.generate_key().decode()], "k").seal(Caller("张女士", PHONE))
    unreadable = store._opened(_row(caller_sealed=other, caller_ref="r"), SEALER)
    assert unreadable["caller_phone"] is None
