"""不予受理 and 合并 text the caller: why, or the lead case's result; never the anonymous."""

from typing import Any

from google.protobuf.json_format import MessageToDict

from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.notify.domain import Templates, plan
from services.notify.domain.plan import CLOSED, SMS, Caller, Context, wants_caller

CASE_NO, LEAD_NO = "20261122000001", "20261122000002"
PHONE = "13800001111"
TEMPLATES = Templates.from_file()


def closed(**values: Any) -> dict[str, Any]:
    message = case_pb2.CaseClosed(case_no=CASE_NO, **values)
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def sms(fields: dict[str, Any], caller: Caller | None = None) -> list[Any]:
    ctx = Context(caller=caller or Caller(PHONE))
    return [n for n in plan(CLOSED, fields, TEMPLATES, ctx) if n.channel == SMS]


def test_a_rejected_callers_sms_says_why() -> None:
    fields = closed(
        reason="rejected", reject_reason="litigation", note="涉诉涉法；建议通过司法途径依法解决"
    )
    assert wants_caller(CLOSED, fields)
    (notice,) = sms(fields)
    assert notice.template == "citizen_rejected" and notice.recipient == PHONE
    assert CASE_NO in notice.body and "不予受理" in notice.body
    assert "理由：涉诉涉法；建议通过司法途径依法解决。" in notice.body
    assert dict(notice.params)["reason"] == "涉诉涉法；建议通过司法途径依法解决"


def test_a_followers_caller_hears_the_leads_result_kept_short() -> None:
    long_result = "已更换路灯灯泡并检修线路，" * 10
    fields = closed(reason="merged", lead_case_no=LEAD_NO, resolution=long_result, note="x")
    (notice,) = sms(fields)
    assert notice.template == "citizen_merged"
    assert LEAD_NO in notice.body and "合并办理" in notice.body
    result = dict(notice.params)["result"]
    assert result.startswith("已更换路灯灯泡") and result.endswith("…") and len(result) == 70


def test_other_closes_and_anonymous_callers_get_no_such_text() -> None:
    assert not wants_caller(CLOSED, closed(reason="callback_satisfied"))
    assert sms(closed(reason="callback_satisfied")) == []
    assert sms(closed(reason="rejected", note="非本市辖区"), Caller(PHONE, anonymous=True)) == []
