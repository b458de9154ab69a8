"""联动办 on the time-skipping server: each co-unit's part has its own deadlines, light and
ladder; the lead resolves only when every part is reported, or overrides with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from services.common.events import Topic
from services.sla.contracts import (
    CallbackResult,
    CaseStart,
    CaseStatus,
    HandlerCommand,
    PartCommand,
    PartStart,
    Rung,
    workflow_id,
)
from services.sla.workflow import CaseWorkflow
from tests.integration.conftest import SlaHarness
from tests.integration.test_case_workflow import _case_no, _record, _start, _status
from tests.support import StackAddresses, case_events, eventually

LEAD = [
    Rung("district", "U-D01-ZJJ", "明湖区住房和城乡建设局"),
    Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
]
TOWNSHIP, BUREAU = "U-D01-T03", "U-D01-CGJ"
PARTS = [
    PartStart(
        TOWNSHIP,
        [
            Rung("township", TOWNSHIP, "青山镇人民政府便民服务中心"),
            Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
        ],
    ),
    PartStart(
        BUREAU,
        [
            Rung("district", BUREAU, "明湖区城市管理和综合执法局"),
            Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
        ],
    ),
]


async def _start_joint(sla: SlaHarness) -> tuple[str, WorkflowHandle[CaseWorkflow, str]]:
    case_no = _case_no()
    handle = await sla.env.client.start_workflow(
        CaseWorkflow.run,
        CaseStart(
            case_no=case_no,
            difficulty="complex",
            urgent=False,
            topic="城乡建设",
            ladder=list(LEAD),
            parts=list(PARTS),
        ),
        id=workflow_id(case_no),
        task_queue=sla.task_queue,
    )

    async def parts_in() -> CaseStatus | None:
        status = await _status(handle)
        ready = status.parts and all(p.clock for p in status.parts)
        return status if ready else None

    await eventually(parts_in, timeout=10)
    return case_no, handle


async def _refusal(coro: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await coro  # type: ignore[misc]
    return str(refused.value.cause)


def _part(status: CaseStatus, part_id: str) -> object:
    return next(p for p in status.parts if p.part_id == part_id)


async def test_a_late_co_unit_escalates_and_holds_the_lead_until_it_reports(
    sla: SlaHarness, stack: StackAddresses
) -> None:
    case_no, handle = await _start_joint(sla)
    status = await _status(handle)
    assert [p.part_id for p in status.parts] == [TOWNSHIP, BUREAU]
    assert all(p.state == "dispatched" and p.light == "green" for p in status.parts)
    # A part's deadlines are the policy's joint_part ones (10 working days), not the lead's.
    assert status.parts[0].clock is not None and status.resolve_due is not None
    assert status.parts[0].clock.resolve_due < status.resolve_due

    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("住建局"))
    await handle.execute_update(CaseWorkflow.part_accept, PartCommand(TOWNSHIP, "清河街道"))
    await handle.execute_update(
        CaseWorkflow.part_progress, PartCommand(TOWNSHIP, "清河街道", "已到现场")
    )
    await handle.execute_update(
        CaseWorkflow.part_report, PartCommand(TOWNSHIP, "清河街道", "占道摊点已清理")
    )
    # The bureau never accepts its part: past its accept deadline it climbs its own ladder.
    await sla.env.sleep(timedelta(days=6))
    status = await _status(handle)
    late = _part(status, BUREAU)
    assert late.escalations >= 1 and late.unit.tier == "supervision"  # type: ignore[attr-defined]
    assert late.state == "dispatched"  # type: ignore[attr-defined]
    assert status.tier == "district" and not status.escalations, "the lead stays where it is"
    assert "part_escalated" in [h.kind for h in status.history]

    reason = await _refusal(
        handle.execute_update(CaseWorkflow.resolve, HandlerCommand("住建局", "已协调解决"))
    )
    assert "明湖区12345督办中心尚未反馈办理结果" in reason
    # Who holds the part now (督办中心) accepts and reports it; then the lead may resolve.
    await handle.execute_update(CaseWorkflow.part_accept, PartCommand(BUREAU, "督办中心"))
    await handle.execute_update(
        CaseWorkflow.part_report, PartCommand(BUREAU, "督办中心", "督促城管局完成执法")
    )
    await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("住建局", "已协调解决"))
    await handle.execute_update(CaseWorkflow.callback, CallbackResult("回访员", satisfied=True))
    assert await handle.result() == "callback_satisfied"

    async def part_kinds() -> list[tuple[str, str]] | None:
        seen = [
            (p.kind, p.part_unit_id)
            for _, p in await case_events(stack.kafka, Topic.SLA, case_no, idle_ms=500)
        ]
        return seen if ("part_escalated", BUREAU) in seen else None

    kinds = await eventually(part_kinds, timeout=15, interval=0.5)
    assert ("part_deadlines_set", TOWNSHIP) in kinds
    assert ("part_breached", BUREAU) in kinds
    assert not any(k == "part_escalated" and u == TOWNSHIP for k, u in kinds)
    _record("joint_part_late_then_reported", await handle.fetch_history())


async def test_the_lead_overrides_open_parts_with_a_recorded_reason(sla: SlaHarness) -> None:
    _, handle = await _start_joint(sla)
    reason = await _refusal(
        handle.execute_update(CaseWorkflow.override_parts, HandlerCommand("住建局", "来不及"))
    )
    assert "请先签收" in reason
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("住建局"))
    await handle.execute_update(CaseWorkflow.part_accept, PartCommand(BUREAU, "城管局"))
    await handle.execute_update(CaseWorkflow.part_report, PartCommand(BUREAU, "城管局", "已执法"))
    refused = await _refusal(
        handle.execute_update(CaseWorkflow.resolve, HandlerCommand("住建局", "已解决"))
    )
    assert "青山镇人民政府便民服务中心尚未反馈办理结果" in refused
    assert "强制办结理由" in await _refusal(
        handle.execute_update(CaseWorkflow.override_parts, HandlerCommand("住建局", " "))
    )
    assert "反馈协办结果" in await _refusal(
        handle.execute_update(CaseWorkflow.part_report, PartCommand(TOWNSHIP, "清河街道", "晚了"))
    )
    status = await handle.execute_update(
        CaseWorkflow.override_parts, HandlerCommand("住建局", "街道已口头确认，不再等待书面反馈")
    )
    assert status.parts_overridden_by == "住建局"
    assert status.parts_override_reason == "街道已口头确认，不再等待书面反馈"
    assert [p.state for p in status.parts] == ["waived", "reported"]
    assert "parts_overridden" in [h.kind for h in status.history]
    # A waived part takes no more commands; the lead resolves.
    assert "牵头单位已强制办结" in await _refusal(
        handle.execute_update(CaseWorkflow.part_accept, PartCommand(TOWNSHIP, "清河街道"))
    )
    await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("住建局", "已解决"))
    await handle.execute_update(CaseWorkflow.close, HandlerCommand("督办中心", "演练结束"))
    assert await handle.result() == "supervisor"
    _record("joint_parts_overridden", await handle.fetch_history())


async def test_a_case_without_co_units_refuses_part_commands(sla: SlaHarness) -> None:
    _, handle = await _start(sla)
    assert "没有协办单位" in await _refusal(
        handle.execute_update(CaseWorkflow.part_accept, PartCommand(TOWNSHIP, "清河街道"))
    )
    status = await _status(handle)
    assert status.parts == [] and "part_dispatched" not in [h.kind for h in status.history]
    await handle.execute_update(CaseWorkflow.close, HandlerCommand("督办中心", "演练结束"))
    assert await handle.result() == "supervisor"
