"""The citizen's callback survey (回访) by SMS: at resolution when they did not agree to be
called, after an unanswered call when they did; never to anonymous callers."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict

from services.common import events
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.notify.domain import Notice, Templates, plan
from services.notify.domain.plan import SMS, Caller, Context

CASE_NO = "20261122000001"
PHONE = "13800138000"


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.from_file()


def action(name: str, note: str = "") -> dict[str, Any]:
    message = case_pb2.CaseAction(case_no=CASE_NO, action=name, unit_id="U-1", note=note)
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def texts(fields: dict[str, Any], templates: Templates, caller: Caller) -> list[Notice]:
    notices = plan(events.CASE_ACTION.name, fields, templates, Context(caller=caller))
    return [n for n in notices if n.channel == SMS]


def test_without_consent_the_resolution_sms_is_the_survey(templates: Templates) -> None:
    [sms] = texts(action("resolved", "已更换灯泡"), templates, Caller(PHONE))

    assert (sms.recipient, sms.template) == (PHONE, "citizen_resolved_survey")
    assert sms.body == (
        f"【12345】您反映的问题（工单 {CASE_NO}）已办结。"
        "请回复数字评价办理结果：1 满意，2 基本满意，3 不满意。"
    )
    assert "来电" not in sms.body and "回访" not in sms.body  # no call is promised
    assert dict(sms.params) == {"case_no": CASE_NO}


def test_with_consent_the_resolution_sms_announces_the_call(templates: Templates) -> None:
    [sms] = texts(action("resolved", "已更换灯泡"), templates, Caller(PHONE, callback_consent=True))

    assert sms.template == "citizen_resolved"
    assert "请留意来电" in sms.body


def test_with_consent_an_unanswered_call_brings_the_survey(templates: Templates) -> None:
    caller = Caller(PHONE, callback_consent=True)

    [sms] = texts(action("callback_recorded", "未接通 响铃无人接"), templates, caller)

    assert sms.template == "citizen_callback_survey"
    assert "回复数字" in sms.body


def test_without_consent_an_unanswered_call_sends_no_second_survey(templates: Templates) -> None:
    assert texts(action("callback_recorded", "未接通"), templates, Caller(PHONE)) == []


@pytest.mark.parametrize("consent", [True, False])
@pytest.mark.parametrize("name", ["resolved", "callback_recorded"])
def test_anonymous_callers_are_never_texted(templates: Templates, name: str, consent: bool) -> None:
    caller = Caller(PHONE, anonymous=True, callback_consent=consent)

    assert texts(action(name, "未接通"), templates, caller) == []


def test_a_caller_without_a_number_is_not_texted(templates: Templates) -> None:
    assert texts(action("resolved"), templates, Caller("")) == []


@pytest.mark.parametrize("note", ["满意", "不满意"])
def test_an_answered_callback_sends_no_survey(templates: Templates, note: str) -> None:
    caller = Caller(PHONE, callback_consent=True)

    assert texts(action("callback_recorded", note), templates, caller) == []
