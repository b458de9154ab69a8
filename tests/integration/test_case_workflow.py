"""The case workflow on a time-skipping server: deadlines, escalation, commands, replay."""

from __future__ import annotations

import json
import os
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.worker import Replayer

from services.common.events import Topic
from services.sla.contracts import (
    CallbackResult,
    CaseStart,
    CaseStatus,
    HandlerCommand,
    Rung,
    workflow_id,
)
from services.sla.workflow import CaseWorkflow
from tests.integration.conftest import SlaHarness
from tests.support import ROOT, StackAddresses, case_events, eventually

HISTORIES = Path(ROOT) / "tests" / "workflow_histories"
LADDER = [
    Rung("village", "U-D01-T01-V01", "柳岸社区居民委员会"),
    Rung("township", "U-D01-T01", "湖滨街道办事处"),
    Rung("district", "U-D01-ZJJ", "明湖区住房和城乡建设局"),
    Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
]


def _case_no() -> str:
    # A date no real case carries, so these never mix with the stack's own cases.
    return f"29991231{random.randrange(10**6):06d}"


async def _settled(handle: WorkflowHandle[CaseWorkflow, str]) -> CaseStatus:
    """The status once the first deadlines are in (they come from an activity)."""

    async def probe() -> CaseStatus | None:
        status = await _status(handle)
        return status if status.accept_due else None

    return await eventually(probe, timeout=10)


async def _start(
    sla: SlaHarness, *, difficulty: str = "simple", urgent: bool = False
) -> tuple[str, WorkflowHandle[CaseWorkflow, str]]:
    case_no = _case_no()
    handle = await sla.env.client.start_workflow(
        CaseWorkflow.run,
        CaseStart(
            case_no=case_no,
            difficulty=difficulty,
            urgent=urgent,
            topic="城乡建设",
            ladder=list(LADDER),
        ),
        id=workflow_id(case_no),
        task_queue=sla.task_queue,
    )
    await _settled(handle)
    return case_no, handle


async def _status(handle: WorkflowHandle[CaseWorkflow, str]) -> CaseStatus:
    return await handle.query(CaseWorkflow.status)


def _record(name: str, history: WorkflowHistory) -> None:
    """Keep a history as a fixture when MINHU_RECORD_HISTORIES=1 (after a deliberate change).

    Existing fixtures are never overwritten: they are what older running workflows look
    like, and the replay test must keep passing on them. A new version gets a new name.
    """
    if os.environ.get("MINHU_RECORD_HISTORIES") != "1":
        return
    HISTORIES.mkdir(exist_ok=True)
    version = 1
    path = HISTORIES / f"{name}.json"
    while path.exists():
        if path.read_text() == history.to_json():
            return
        version += 1
        path = HISTORIES / f"{name}_v{version}.json"
    path.write_text(history.to_json())


async def test_unaccepted_case_climbs_the_ladder_to_supervision(
    sla: SlaHarness, stack: StackAddresses
) -> None:
    case_no, handle = await _start(sla)
    await sla.env.sleep(timedelta(days=20))
    status = await _status(handle)
    assert status.tier == "supervision"
    assert [e.tier for e in status.escalations] == ["township", "district", "supervision"]
    assert status.history[-1].kind == "supervised"
    assert status.light == "red"

    async def sla_kinds() -> list[str] | None:
        kinds = [p.kind for _, p in await case_events(stack.kafka, Topic.SLA, case_no, idle_ms=500)]
        return kinds if "supervised" in kinds else None

    kinds = await eventually(sla_kinds, timeout=15, interval=0.5)
    # Deadlines are announced at the start and after each escalation.
    assert kinds.count("deadlines_set") == 4
    kinds = [k for k in kinds if k != "deadlines_set"]
    assert kinds.count("escalated") == 3
    assert kinds[:3] == ["light_changed", "breached", "escalated"]
    assert len(set(kinds)) == 4

    # 督办 still lets the top unit accept and close out.
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("督办中心"))
    await handle.execute_update(CaseWorkflow.close, HandlerCommand("督办中心", "领导督办后已解决"))
    assert await handle.result() == "supervisor"
    _record("escalated_to_supervision", await handle.fetch_history())


async def test_accept_resolve_and_unsatisfied_callbacks_reopen_then_escalate(
    sla: SlaHarness,
) -> None:
    _, handle = await _start(sla, difficulty="general")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("张三", "已处理"))
    assert "不能办结（请先签收）" in str(refused.value.cause)
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("张三"))
    for round_ in range(2):
        await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("张三", "已处理"))
        status = await handle.execute_update(
            CaseWorkflow.callback, CallbackResult("回访员", satisfied=False, note="没修好")
        )
        assert status.state == "reopened", round_
        assert status.tier == "village"
    await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("张三", "彻底修好"))
    status = await handle.execute_update(
        CaseWorkflow.callback, CallbackResult("回访员", satisfied=False, note="仍不满意")
    )
    # Past the reopen limit (2) the case goes one tier up and must be accepted there.
    assert status.state == "dispatched" and status.tier == "township"
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("街道"))
    await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("街道", "街道协调解决"))
    await handle.execute_update(CaseWorkflow.callback, CallbackResult("回访员", satisfied=True))
    assert await handle.result() == "callback_satisfied"
    _record("reopened_twice_then_escalated", await handle.fetch_history())


async def test_urgent_case_breaches_within_minutes(sla: SlaHarness) -> None:
    _, handle = await _start(sla, urgent=True)
    await sla.env.sleep(timedelta(minutes=31))
    status = await _status(handle)
    assert status.tier == "township" and len(status.escalations) == 1


async def test_clock_starts_at_dispatch_not_when_a_backlog_lets_the_workflow_start(
    sla: SlaHarness,
) -> None:
    # An urgent case (accept within 30 clock minutes) dispatched 10 minutes before its
    # workflow starts: the accept deadline is 30 minutes after the dispatch.
    now = await sla.env.get_current_time()
    dispatched = now - timedelta(minutes=10)
    case_no = _case_no()
    handle = await sla.env.client.start_workflow(
        CaseWorkflow.run,
        CaseStart(
            case_no=case_no,
            difficulty="simple",
            urgent=True,
            topic="城乡建设",
            ladder=list(LADDER),
            dispatched_at=dispatched.isoformat(),
        ),
        id=workflow_id(case_no),
        task_queue=sla.task_queue,
    )
    status = await _settled(handle)
    assert status.accept_due is not None
    assert datetime.fromisoformat(status.accept_due) == dispatched + timedelta(minutes=30)
    # 21 minutes after the start the case has breached and moved up (31 after dispatch).
    await sla.env.sleep(timedelta(minutes=21))
    status = await _status(handle)
    assert status.tier == "township" and len(status.escalations) == 1
    await handle.execute_update(CaseWorkflow.close, HandlerCommand("督办中心", "演练结束"))
    assert await handle.result() == "supervisor"
    _record("clock_from_dispatch_time", await handle.fetch_history())


async def test_recorded_histories_replay_on_current_code() -> None:
    files = sorted(HISTORIES.glob("*.json"))
    assert files, "no recorded workflow histories to replay"
    replayer = Replayer(workflows=[CaseWorkflow])
    for path in files:
        history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
        await replayer.replay_workflow(history)
