from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from services.common import events
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.notify.domain import Notice, Templates, plan
from services.notify.domain.contacts import DutyContacts
from services.notify.domain.plan import (
    DISPATCH_DESK,
    IN_APP,
    SMS,
    SUPERVISION_CENTRE,
    Caller,
    Context,
)
from services.notify.domain.replies import read_reply

CASE_NO = "20261122000001"
UNIT = "U-D01-T01-V01"


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.from_file()


def fields_of(message: Message) -> dict[str, Any]:
    """The fields of a payload as the consumer hands them to plan()."""
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def dispatched(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "case_no": CASE_NO,
        "topic": "城乡建设",
        "difficulty": "simple",
        "tier": "village",
        "unit_id": UNIT,
        "unit_name": "柳岸社区居民委员会",
        "confidence": 0.9,
    }
    values.update(overrides)
    return fields_of(case_pb2.CaseDispatched(**values))


def sla(kind: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "case_no": CASE_NO,
        "kind": kind,
        "deadline": "accept",
        "tier": "village",
        "unit_id": UNIT,
    }
    values.update(overrides)
    return fields_of(case_pb2.CaseSlaChanged(**values))


def action(name: str, note: str = "") -> dict[str, Any]:
    return fields_of(case_pb2.CaseAction(case_no=CASE_NO, action=name, unit_id=UNIT, note=note))


def only(notices: list[Notice]) -> Notice:
    assert len(notices) == 1
    return notices[0]


def test_a_dispatched_case_tells_its_unit(templates: Templates) -> None:
    notice = only(plan(events.CASE_DISPATCHED.name, dispatched(), templates))

    assert notice == Notice(
        IN_APP,
        UNIT,
        "handler_new_case",
        f"【12345】新工单 {CASE_NO}：城乡建设（立即办），请及时签收。",
    )


def test_an_urgent_case_is_marked_urgent(templates: Templates) -> None:
    fields = dispatched(urgent=True, difficulty="complex")

    notice = only(plan(events.CASE_DISPATCHED.name, fields, templates))

    assert notice.template == "handler_new_case"
    assert "（联动办）" in notice.body
    assert notice.body.endswith("【紧急】")


def test_an_unknown_difficulty_is_shown_as_it_is(templates: Templates) -> None:
    notice = only(plan(events.CASE_DISPATCHED.name, dispatched(difficulty="odd"), templates))

    assert "（odd）" in notice.body


def test_a_manual_case_asks_the_dispatcher(templates: Templates) -> None:
    fields = dispatched(manual=True, confidence=0.4, unit_id="U-D01-DBZX")

    notice = only(plan(events.CASE_DISPATCHED.name, fields, templates))

    assert notice.template == "dispatcher_manual_case"
    assert notice.recipient == "U-D01-DBZX"
    assert notice.body == (
        f"【12345】工单 {CASE_NO} 需人工派单（建议：柳岸社区居民委员会，置信度 0.40）。"
    )


def test_a_yellow_light_warns_the_unit(templates: Templates) -> None:
    fields = sla("light_changed", light="yellow")

    notice = only(plan(events.CASE_SLA_CHANGED.name, fields, templates))

    assert notice.template == "handler_light_yellow"
    assert notice.recipient == UNIT
    assert notice.body == f"【12345】工单 {CASE_NO} 签收时限即将到期（黄灯），请抓紧办理。"


@pytest.mark.parametrize("light", ["green", "red"])
def test_other_light_changes_tell_nobody(templates: Templates, light: str) -> None:
    assert plan(events.CASE_SLA_CHANGED.name, sla("light_changed", light=light), templates) == []


def test_a_breach_warns_the_unit(templates: Templates) -> None:
    fields = sla("breached", deadline="resolve", light="red")

    notice = only(plan(events.CASE_SLA_CHANGED.name, fields, templates))

    assert notice.template == "handler_breached"
    assert notice.body == f"【12345】工单 {CASE_NO} 办结时限已超时（红灯），将升级处理。"


def test_an_escalation_tells_the_new_unit_and_the_supervision_centre(
    templates: Templates,
) -> None:
    fields = sla("escalated", tier="township", unit_id="U-D01-T01", from_tier="village")

    handler, supervisor = plan(events.CASE_SLA_CHANGED.name, fields, templates)

    assert handler.recipient == "U-D01-T01"
    assert handler.template == "handler_escalated"
    assert "因签收时限超时由上级转来" in handler.body
    assert supervisor.recipient == SUPERVISION_CENTRE
    assert supervisor.template == "supervisor_escalated"
    assert supervisor.body == (f"【12345督办】工单 {CASE_NO} 因签收时限超时已升级至乡镇/街道。")


def test_supervision_goes_to_the_centre_only(templates: Templates) -> None:
    notice = only(plan(events.CASE_SLA_CHANGED.name, sla("supervised"), templates))

    assert notice.recipient == SUPERVISION_CENTRE
    assert notice.template == "supervisor_supervised"


def test_a_reopened_case_goes_back_to_its_unit(templates: Templates) -> None:
    notice = only(plan(events.CASE_ACTION.name, action("reopened"), templates))

    assert notice.recipient == UNIT
    assert notice.template == "handler_reopened"
    assert CASE_NO in notice.body


@pytest.mark.parametrize("name", ["accepted", "progressed", "resolved"])
def test_other_actions_tell_nobody(templates: Templates, name: str) -> None:
    assert plan(events.CASE_ACTION.name, action(name), templates) == []


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        (events.CASE_CLOSED.name, case_pb2.CaseClosed(case_no=CASE_NO, reason="supervisor")),
        (events.CASE_RECEIVED.name, case_pb2.CaseReceived(case_no=CASE_NO, title="路灯")),
    ],
)
def test_events_without_notices_tell_nobody(
    templates: Templates, event_type: str, payload: Message
) -> None:
    assert plan(event_type, fields_of(payload), templates) == []


def test_bounce_goes_to_the_dispatch_desk_with_its_reason(templates: Templates) -> None:
    notice = only(plan(events.CASE_ACTION.name, action("bounced", "不属于本社区"), templates))

    assert notice.recipient == DISPATCH_DESK
    assert "不属于本社区" in notice.body


def test_extension_requests_go_to_supervision(templates: Templates) -> None:
    notice = only(plan(events.CASE_ACTION.name, action("extension_requested", "等材料"), templates))

    assert notice.recipient == SUPERVISION_CENTRE
    assert "等材料" in notice.body


def test_every_shipped_template_is_used_and_fully_filled(templates: Templates) -> None:
    cases = [
        (events.CASE_DISPATCHED.name, dispatched()),
        (events.CASE_DISPATCHED.name, dispatched(manual=True)),
        (events.CASE_DISPATCHED.name, dispatched(request_type="praise")),
        (events.CASE_SLA_CHANGED.name, sla("light_changed", light="yellow")),
        (events.CASE_SLA_CHANGED.name, sla("breached")),
        (events.CASE_SLA_CHANGED.name, sla("escalated", tier="district")),
        (events.CASE_SLA_CHANGED.name, sla("supervised")),
        (events.CASE_ACTION.name, action("reopened")),
        (events.CASE_ACTION.name, action("bounced", note="不属于本社区")),
        (events.CASE_ACTION.name, action("extension_requested", note="申请延期 3")),
        # 联动办: a co-unit's notices (tests/unit/notify/test_plan_joint.py).
        (events.CASE_DISPATCHED.name, dispatched(co_unit_ids=["U-D01-CGJ"])),
        (
            events.CASE_SLA_CHANGED.name,
            sla("part_light_changed", light="yellow", part_unit_id=UNIT),
        ),
        (events.CASE_SLA_CHANGED.name, sla("part_breached", part_unit_id=UNIT)),
        (events.CASE_SLA_CHANGED.name, sla("part_escalated", part_unit_id=UNIT)),
        (events.CASE_SLA_CHANGED.name, sla("part_supervised", part_unit_id=UNIT)),
        *(
            (events.CASE_ACTION.name, moved)
            for moved in (
                fields_of(case_pb2.CaseAction(case_no=CASE_NO, action=name, **more))
                for name, more in (
                    ("transferred", {"from_unit_id": UNIT, "to_unit_id": "U-D01-T01-V02"}),
                    ("takeover_requested", {"to_unit_id": "U-D01-T01"}),
                    ("takeover_decided", {"from_unit_id": UNIT, "accepted": True}),
                    ("takeover_decided", {"from_unit_id": UNIT, "accepted": False}),
                )
            )
        ),
    ]

    notices = [n for event_type, fields in cases for n in plan(event_type, fields, templates)]
    texted = Context(caller=Caller(phone="13800138000"))
    citizen = [
        (events.CASE_RECEIVED.name, fields_of(case_pb2.CaseReceived(case_no=CASE_NO))),
        (events.CASE_ACTION.name, action("resolved")),
        (events.CASE_ACTION.name, action("callback_recorded", note="未接通")),
        (
            events.CASE_CLOSED.name,
            fields_of(case_pb2.CaseClosed(case_no=CASE_NO, reason="rejected", note="非本市辖区")),
        ),
        (
            events.CASE_CLOSED.name,
            fields_of(
                case_pb2.CaseClosed(
                    case_no=CASE_NO, reason="merged", lead_case_no=CASE_NO, resolution="已修复"
                )
            ),
        ),
    ]
    consenting = Context(caller=Caller(phone="13800138000", callback_consent=True))
    texts = [n for t, fields in citizen for n in plan(t, fields, templates, texted)]
    texts += [n for t, fields in citizen for n in plan(t, fields, templates, consenting)]
    duty = Context(duty=DutyContacts(units={UNIT: "13907310101"}, supervision="13907310000"))
    on_duty = [
        (events.CASE_DISPATCHED.name, dispatched(urgent=True)),
        (events.CASE_DISPATCHED.name, dispatched(urgent=True, manual=True)),
        (events.CASE_SLA_CHANGED.name, sla("breached")),
        (events.CASE_SLA_CHANGED.name, sla("escalated")),
        (events.CASE_SLA_CHANGED.name, sla("supervised")),
    ]
    texts += [
        n for t, fields in on_duty for n in plan(t, fields, templates, duty) if n.channel == SMS
    ]

    answers = {read_reply(reply).template for reply in ("1", "3", "好的")}
    assert {n.template for n in notices + texts} | answers == set(templates.texts)
    assert {n.channel for n in texts} == {SMS}
    for n in notices:
        assert n.channel == IN_APP
    for n in notices + texts:
        assert CASE_NO in n.body
        assert "{" not in n.body and "}" not in n.body


def test_a_missing_field_is_a_key_error(templates: Templates) -> None:
    fields = dispatched()
    del fields["topic"]

    with pytest.raises(KeyError, match="topic"):
        plan(events.CASE_DISPATCHED.name, fields, templates)


def test_an_event_without_a_case_number_is_a_key_error(templates: Templates) -> None:
    with pytest.raises(KeyError, match="case_no"):
        plan(events.CASE_CLOSED.name, {"reason": "supervisor"}, templates)


def test_render_refuses_a_missing_placeholder(templates: Templates) -> None:
    with pytest.raises(KeyError, match="topic"):
        templates.render("handler_new_case", case_no=CASE_NO)


def test_render_refuses_an_unknown_template(templates: Templates) -> None:
    with pytest.raises(KeyError):
        templates.render("no_such_template", case_no=CASE_NO)


@pytest.mark.parametrize(
    "text",
    ["- just\n- a list\n", "handler_new_case: {nested: mapping}\n", "42\n", "count: 3\n"],
    ids=["list", "nested", "scalar", "number"],
)
def test_a_template_file_that_is_not_id_to_text_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "zh.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ValueError, match="expected a mapping of id to text"):
        Templates.from_file(path)


def test_a_template_file_of_texts_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "zh.yaml"
    path.write_text("greeting: 工单 {case_no} 已受理\n", encoding="utf-8")

    assert Templates.from_file(path).render("greeting", case_no="1") == "工单 1 已受理"


def test_a_praise_tells_the_unit_it_was_praised_not_to_accept(templates: Templates) -> None:
    notices = plan(events.CASE_DISPATCHED.name, dispatched(request_type="praise"), templates)
    assert [(n.recipient, n.template) for n in notices] == [(UNIT, "handler_praise")]
    assert "表扬" in notices[0].body and "签收" not in notices[0].body
