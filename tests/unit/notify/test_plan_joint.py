"""联动办's notices: every co-unit hears of its part; a part's light, breach and escalation
go to whoever holds the part, never to the lead."""

from __future__ import annotations

import pytest

from services.common import events
from services.notify.domain import Templates, plan
from services.notify.domain.plan import IN_APP, SUPERVISION_CENTRE
from tests.unit.notify.test_plan import dispatched, sla

LEAD, TOWNSHIP, BUREAU = "U-D01-ZJJ", "U-D01-T03", "U-D01-CGJ"


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.from_file()


def test_a_joint_case_tells_the_lead_and_each_co_unit(templates: Templates) -> None:
    fields = dispatched(
        difficulty="complex",
        tier="district",
        unit_id=LEAD,
        unit_name="明湖区住房和城乡建设局",
        co_unit_ids=[TOWNSHIP, BUREAU, TOWNSHIP, LEAD],
    )
    notices = plan(events.CASE_DISPATCHED.name, fields, templates)
    assert [(n.channel, n.recipient, n.template) for n in notices] == [
        (IN_APP, LEAD, "handler_new_case"),
        (IN_APP, TOWNSHIP, "handler_joint_part"),
        (IN_APP, BUREAU, "handler_joint_part"),
    ]
    assert "协办单位" in notices[1].body and "明湖区住房和城乡建设局" in notices[1].body


def test_a_case_without_co_units_tells_its_unit_only(templates: Templates) -> None:
    notices = plan(events.CASE_DISPATCHED.name, dispatched(), templates)
    assert [n.template for n in notices] == ["handler_new_case"]


def test_a_parts_escalation_tells_its_new_holder_and_supervision(templates: Templates) -> None:
    fields = sla(
        "part_escalated", unit_id=SUPERVISION_CENTRE, tier="supervision", part_unit_id=BUREAU
    )
    notices = plan(events.CASE_SLA_CHANGED.name, fields, templates)
    assert [(n.recipient, n.template) for n in notices] == [
        (SUPERVISION_CENTRE, "handler_part_escalated"),
        (SUPERVISION_CENTRE, "supervisor_part_escalated"),
    ]


def test_a_parts_yellow_light_and_breach_go_to_the_co_unit(templates: Templates) -> None:
    yellow = sla("part_light_changed", light="yellow", unit_id=BUREAU, part_unit_id=BUREAU)
    breached = sla("part_breached", light="red", unit_id=BUREAU, part_unit_id=BUREAU)
    for fields, template in ((yellow, "handler_part_yellow"), (breached, "handler_part_breached")):
        notices = plan(events.CASE_SLA_CHANGED.name, fields, templates)
        assert [(n.recipient, n.template) for n in notices] == [(BUREAU, template)]
    # A part's new deadlines are nobody's news.
    quiet = sla("part_deadlines_set", unit_id=BUREAU, part_unit_id=BUREAU)
    assert plan(events.CASE_SLA_CHANGED.name, quiet, templates) == []
