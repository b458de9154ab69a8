"""The grid rung (小事不出网格) on the time-skipping server: a case that starts with the grid
worker climbs to the village on a breach, and one the grid worker resolves stays there."""

from __future__ import annotations

import random
from datetime import timedelta

from temporalio.client import WorkflowHandle

from services.sla.contracts import CallbackResult, CaseStart, HandlerCommand, Rung, workflow_id
from services.sla.workflow import CaseWorkflow
from tests.integration.conftest import SlaHarness
from tests.integration.test_case_workflow import _record, _settled, _status

GRID_LADDER = [
    Rung("grid", "G-D01-T01-V01-01", "柳岸社区第一网格"),
    Rung("village", "U-D01-T01-V01", "柳岸社区居民委员会"),
    Rung("township", "U-D01-T01", "湖滨街道办事处"),
    Rung("district", "U-D01-ZJJ", "明湖区住房和城乡建设局"),
    Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
]


async def _start_in_grid(sla: SlaHarness, *, urgent: bool) -> WorkflowHandle[CaseWorkflow, str]:
    case_no = f"29991230{random.randrange(10**6):06d}"
    handle = await sla.env.client.start_workflow(
        CaseWorkflow.run,
        CaseStart(
            case_no=case_no,
            difficulty="simple",
            urgent=urgent,
            topic="城乡建设",
            ladder=list(GRID_LADDER),
        ),
        id=workflow_id(case_no),
        task_queue=sla.task_queue,
    )
    await _settled(handle)
    return handle


async def test_a_grid_case_not_accepted_in_time_goes_up_to_the_village(sla: SlaHarness) -> None:
    # Urgent: accept within 30 clock minutes, whatever the day of the week.
    handle = await _start_in_grid(sla, urgent=True)
    status = await _status(handle)
    assert status.tier == "grid" and status.unit_id == "G-D01-T01-V01-01"
    await sla.env.sleep(timedelta(minutes=31))
    status = await _status(handle)
    assert status.tier == "village" and status.unit_id == "U-D01-T01-V01"
    assert [e.tier for e in status.escalations] == ["village"]
    assert "由网格升级" in status.escalations[0].note
    assert status.state == "dispatched" and status.accept_due
    # The village takes it over and resolves it; the citizen is satisfied.
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("柳岸社区"))
    await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("柳岸社区", "已清理"))
    await handle.execute_update(CaseWorkflow.callback, CallbackResult("回访员", satisfied=True))
    assert await handle.result() == "callback_satisfied"
    _record("grid_escalated_to_village", await handle.fetch_history())


async def test_a_grid_case_the_grid_worker_resolves_stays_in_the_grid(sla: SlaHarness) -> None:
    handle = await _start_in_grid(sla, urgent=False)
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("张网格员"))
    status = await handle.execute_update(
        CaseWorkflow.resolve, HandlerCommand("张网格员", "楼道杂物已清走")
    )
    assert status.state == "resolved" and status.tier == "grid"
    await handle.execute_update(CaseWorkflow.callback, CallbackResult("回访员", satisfied=True))
    assert await handle.result() == "callback_satisfied"
    status = await _status(handle)
    assert status.tier == "grid" and not status.escalations
    _record("grid_resolved_in_the_grid", await handle.fetch_history())
