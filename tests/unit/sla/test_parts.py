"""联动办's pure rules: which part command each part state allows, the lead's resolve gate
and override, the co-units' ladders and the policy's part deadlines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.common.jurisdiction import Directory
from services.sla.domain import (
    Deadlines,
    SlaPolicy,
    WorkingCalendar,
    compute_deadlines,
    load_policy,
    parse_policy,
)
from services.sla.domain.casefile import Refused, Rung
from services.sla.domain.parts import (
    PART_ACCEPTED,
    PART_REPORTED,
    PART_WAIVED,
    JointFile,
    joint_file,
    part_ladder,
)
from services.sla.domain.policy import read_yaml

CENTRE = Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心")
DEFAULT_POLICY = Path(__file__).resolve().parents[3] / "services/sla/policy/default.yaml"


def deadlines(policy: SlaPolicy, cal: WorkingCalendar, **kw: Any) -> Deadlines:
    return compute_deadlines(policy, cal, difficulty="complex", **kw)


def joint() -> JointFile:
    return joint_file(
        [
            ("T", [Rung("township", "T", "青山镇"), CENTRE]),
            ("B", [Rung("district", "B", "城管局"), CENTRE]),
        ]
    )


def refused(check: object, *args: object) -> str:
    with pytest.raises(Refused) as exc:
        check(*args)  # type: ignore[operator]
    return exc.value.message


def test_a_part_is_accepted_then_progressed_then_reported_once() -> None:
    j = joint()
    assert "请先签收" in refused(j.check_report, "T", "街道", "已办")
    j.check_accept("T", "街道")
    j.part("T").state = PART_ACCEPTED
    assert "不能签收协办任务" in refused(j.check_accept, "T", "街道")
    assert "请填写办理进展" in refused(j.check_progress, "T", "街道", " ")
    assert "请填写协办办理结果" in refused(j.check_report, "T", "街道", "")
    j.check_report("T", "街道", "已清理")
    j.part("T").state = PART_REPORTED
    assert "已反馈" in refused(j.check_progress, "T", "街道", "再补充")


def test_a_unit_that_is_no_co_unit_has_no_part() -> None:
    assert "没有该协办单位" in refused(joint().check_accept, "X", "某人")


def test_the_lead_resolves_only_when_no_part_is_open() -> None:
    j = joint()
    assert "青山镇、城管局尚未反馈" in refused(j.check_lead_resolve)
    j.part("T").state = PART_REPORTED
    assert "城管局尚未反馈" in refused(j.check_lead_resolve)
    j.part("B").state = PART_REPORTED
    j.check_lead_resolve()


def test_the_lead_overrides_open_parts_with_a_reason_while_working() -> None:
    j = joint()
    assert "请先签收" in refused(j.check_override, "住建局", "理由", "dispatched")
    assert "请填写强制办结理由" in refused(j.check_override, "住建局", " ", "accepted")
    j.part("T").state = PART_REPORTED
    waived = j.waive_open("住建局", "已电话确认")
    assert [p.part_id for p in waived] == ["B"]
    assert j.part("B").state == PART_WAIVED and j.part("T").state == PART_REPORTED
    assert (j.overridden_by, j.override_reason) == ("住建局", "已电话确认")
    j.check_lead_resolve()
    assert "无需强制办结" in refused(j.check_override, "住建局", "再来", "accepted")


def test_a_part_escalates_along_its_own_units_ladder() -> None:
    d = Directory.from_file()
    township = part_ladder(d, "U-D01-T03")
    assert [r.tier for r in township] == ["township", "supervision"]
    village = part_ladder(d, "U-D01-T01-V01")
    assert [r.unit_id for r in village] == ["U-D01-T01-V01", "U-D01-T01", "U-D01-DBZX"]
    # The 12345 centre as a co-unit (重大疑难) has nobody above it: its part is 督办 at once.
    assert part_ladder(d, "U-D01-DBZX") == [CENTRE]


def test_part_deadlines_come_from_the_policys_joint_part_section() -> None:
    policy = load_policy(DEFAULT_POLICY)
    cal = WorkingCalendar.from_policy(policy)
    start = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    lead = deadlines(policy, cal, urgent=False, start=start)
    part = deadlines(policy, cal, urgent=False, start=start, part=True)
    assert policy.joint_part is not None
    assert part.resolve_due == cal.add(start, policy.joint_part.resolve)
    assert part.resolve_due < lead.resolve_due and part.progress_every is None
    urgent = deadlines(policy, cal, urgent=True, start=start, part=True)
    assert urgent.resolve_due < part.resolve_due, "urgency cuts a part's deadline too"


def test_without_a_joint_part_section_a_part_runs_on_the_cases_difficulty() -> None:
    raw = read_yaml(DEFAULT_POLICY)
    assert isinstance(raw, dict)
    raw.pop("joint_part")
    policy = parse_policy(raw, base_dir=DEFAULT_POLICY.parent)
    cal = WorkingCalendar.from_policy(policy)
    start = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    lead = deadlines(policy, cal, urgent=False, start=start)
    part = deadlines(policy, cal, urgent=False, start=start, part=True)
    assert part == lead
