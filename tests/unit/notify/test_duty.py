"""Duty-phone SMS (值班电话): which events text which unit, the quiet hours they keep, and the
contacts file they come from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from pydantic import ValidationError

from services.common import events
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.notify.domain import Notice, Templates, plan
from services.notify.domain.contacts import DEFAULT_CONTACTS, ContactsError, DutyContacts
from services.notify.domain.plan import IN_APP, SMS, Context
from services.notify.domain.schedule import SHANGHAI, QuietHours
from services.notify.settings import NotifySettings
from services.notify.wiring import sms_codes
from tests.support import ROOT

CASE_NO = "20261122000001"
VILLAGE, TOWNSHIP, CENTRE = "U-D01-T01-V01", "U-D01-T01", "U-D01-DBZX"
PHONES = {VILLAGE: "13907310101", TOWNSHIP: "13907311001", CENTRE: "13907312345"}
SUPERVISION_PHONE = "13907310000"
DUTY = Context(duty=DutyContacts(units=PHONES, supervision=SUPERVISION_PHONE))


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.from_file()


def fields_of(message: Message) -> dict[str, Any]:
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def dispatched(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "case_no": CASE_NO,
        "topic": "城乡建设",
        "difficulty": "simple",
        "tier": "village",
        "unit_id": VILLAGE,
        "unit_name": "柳岸社区居民委员会",
        "confidence": 0.9,
    }
    return fields_of(case_pb2.CaseDispatched(**{**values, **overrides}))


def sla(kind: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "case_no": CASE_NO,
        "kind": kind,
        "deadline": "accept",
        "tier": "village",
        "unit_id": VILLAGE,
    }
    return fields_of(case_pb2.CaseSlaChanged(**{**values, **overrides}))


def texts(notices: list[Notice]) -> list[Notice]:
    return [n for n in notices if n.channel == SMS]


def test_an_urgent_new_case_texts_the_units_duty_phone_at_once(templates: Templates) -> None:
    notices = plan(events.CASE_DISPATCHED.name, dispatched(urgent=True), templates, DUTY)

    [sms] = texts(notices)
    assert sms.recipient == PHONES[VILLAGE]
    assert sms.template == "handler_duty_urgent_case"
    assert sms.urgent
    assert sms.body == f"【12345】紧急工单 {CASE_NO}（城乡建设）已派至本单位，请立即签收处置。"
    assert dict(sms.params) == {"case_no": CASE_NO, "topic": "城乡建设"}
    assert [n.channel for n in notices] == [IN_APP, SMS]  # the inbox is told as well


def test_an_ordinary_new_case_stays_in_app(templates: Templates) -> None:
    notices = plan(events.CASE_DISPATCHED.name, dispatched(), templates, DUTY)

    assert [n.channel for n in notices] == [IN_APP]


def test_an_urgent_case_waiting_for_manual_dispatch_texts_the_centre(
    templates: Templates,
) -> None:
    fields = dispatched(urgent=True, manual=True, unit_id=CENTRE, confidence=0.3)

    [sms] = texts(plan(events.CASE_DISPATCHED.name, fields, templates, DUTY))

    assert sms.recipient == PHONES[CENTRE]
    assert sms.template == "dispatcher_duty_urgent_manual"
    assert "待人工派单" in sms.body


def test_a_yellow_light_texts_nobody(templates: Templates) -> None:
    fields = sla("light_changed", light="yellow")

    assert texts(plan(events.CASE_SLA_CHANGED.name, fields, templates, DUTY)) == []


@pytest.mark.parametrize("urgent", [True, False])
def test_a_breach_texts_the_late_unit_as_urgently_as_the_case(
    templates: Templates, urgent: bool
) -> None:
    ctx = Context(duty=DUTY.duty, urgent=urgent)
    fields = sla("breached", deadline="resolve", light="red")

    [sms] = texts(plan(events.CASE_SLA_CHANGED.name, fields, templates, ctx))

    assert (sms.recipient, sms.template, sms.urgent) == (
        PHONES[VILLAGE],
        "handler_duty_breached",
        urgent,
    )
    assert sms.body == f"【12345】工单 {CASE_NO} 办结时限已超时（红灯），请立即处理。"


def test_an_escalation_texts_the_unit_that_takes_the_case_over(templates: Templates) -> None:
    fields = sla("escalated", tier="township", unit_id=TOWNSHIP, from_tier="village")

    [sms] = texts(plan(events.CASE_SLA_CHANGED.name, fields, templates, DUTY))

    assert sms.recipient == PHONES[TOWNSHIP]
    assert sms.template == "handler_duty_escalated"
    assert "因签收时限超时已升级至本单位" in sms.body


def test_supervision_texts_the_centres_duty_phone(templates: Templates) -> None:
    fields = sla("supervised", tier="supervision", unit_id=CENTRE, deadline="resolve")

    [sms] = texts(plan(events.CASE_SLA_CHANGED.name, fields, templates, DUTY))

    assert sms.recipient == SUPERVISION_PHONE
    assert sms.template == "supervisor_duty_supervised"
    assert "办结时限超时，已转督办" in sms.body


def test_a_unit_without_a_duty_phone_keeps_its_in_app_notice(templates: Templates) -> None:
    fields = sla("breached", unit_id="U-D01-NOWHERE")

    notices = plan(events.CASE_SLA_CHANGED.name, fields, templates, DUTY)

    assert [(n.channel, n.recipient) for n in notices] == [(IN_APP, "U-D01-NOWHERE")]


def test_without_a_gateway_no_duty_phone_is_texted(templates: Templates) -> None:
    notices = plan(events.CASE_DISPATCHED.name, dispatched(urgent=True), templates, Context())

    assert texts(notices) == []


@pytest.mark.parametrize(
    ("urgent", "expected"),
    [(False, datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)), (True, None)],
    ids=["held-to-08:00", "at-once"],
)
def test_duty_sms_at_night_wait_for_morning_unless_urgent(
    templates: Templates, urgent: bool, expected: datetime | None
) -> None:
    night = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    ctx = Context(duty=DUTY.duty, urgent=urgent)
    [sms] = texts(plan(events.CASE_SLA_CHANGED.name, sla("breached"), templates, ctx))

    assert QuietHours().not_before(night, urgent=sms.urgent) == (expected or night)


def test_every_sms_template_has_a_gateway_code(templates: Templates) -> None:
    codes = sms_codes()
    sms_templates = {t for t in templates.texts if t.startswith("citizen_") or "_duty_" in t}

    assert sms_templates <= set(codes)
    assert len(set(codes.values())) == len(codes)  # one code per text


def test_the_shipped_contacts_cover_every_unit_of_the_demo_directory() -> None:
    directory = yaml.safe_load(
        (Path(ROOT) / "services/common/jurisdiction/directory.yaml").read_text(encoding="utf-8")
    )
    contacts = DutyContacts.from_file()

    assert {u["id"] for u in directory["units"]} == set(contacts.units)
    assert contacts.supervision
    assert contacts.supervision not in contacts.units.values()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("supervision: '13907310000'\nunits: {U-1: '0731-8201010'}\n", "units.U-1: '0731-8201010'"),
        ("units: {U-1: '13907310101'}\n", "supervision: None"),
        ("supervision: '13907310000'\nunits: {}\n", "units: expected a non-empty mapping"),
        ("supervision: '13907310000'\nunit: {U-1: '13907310101'}\n", "unknown keys ['unit']"),
        ("- 13907310000\n", "expected a mapping"),
        ("supervision: [unclosed\n", "cannot read duty contacts"),
    ],
    ids=["landline", "no-supervision", "no-units", "misspelt-key", "list", "bad-yaml"],
)
def test_a_bad_contacts_file_is_refused_naming_the_problem(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "contacts.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ContactsError) as err:
        DutyContacts.from_file(path)
    assert complaint in str(err.value)
    assert str(path) in str(err.value)


def test_unquoted_numbers_are_read_as_numbers_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "contacts.yaml"
    path.write_text("supervision: 13907310000\nunits: {U-1: 13907310101}\n", encoding="utf-8")

    contacts = DutyContacts.from_file(path)

    assert (contacts.supervision, contacts.unit_phone("U-1")) == ("13907310000", "13907310101")


def test_settings_refuse_a_missing_contacts_file_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read duty contacts"):
        NotifySettings(contacts_file=tmp_path / "missing.yaml")
    assert NotifySettings().contacts_file == DEFAULT_CONTACTS
