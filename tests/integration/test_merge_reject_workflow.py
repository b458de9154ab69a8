"""合并 and 不予受理 on a time-skipping server: a real worker publishing to Kafka."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from services.common.events import Topic
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.sla.contracts import (
    CallbackResult,
    CaseStart,
    CaseStatus,
    FollowCommand,
    HandlerCommand,
    RejectCommand,
    Rung,
    TakeFollower,
    workflow_id,
)
from services.sla.workflow import CaseWorkflow
from tests.integration.conftest import SlaHarness
from tests.integration.test_case_workflow import _record
from tests.support import StackAddresses, case_events, eventually

LADDER = [
    Rung("village", "U-D01-T01-V01", "柳岸社区居民委员会"),
    Rung("township", "U-D01-T01", "湖滨街道办事处"),
    Rung("district", "U-D01-ZJJ", "明湖区住房和城乡建设局"),
    Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
]
Handle = WorkflowHandle[CaseWorkflow, str]


async def _closed(stack: StackAddresses, case_no: str) -> list[case_pb2.CaseClosed]:
    """The case's close-out events on Kafka, once there is one."""

    async def found() -> list[case_pb2.CaseClosed] | None:
        out = [m for _, m in await case_events(stack.kafka, Topic.CLOSED, case_no, idle_ms=500)]
        return out or None

    return await eventually(found, timeout=15, interval=0.5)


async def _start(sla: SlaHarness) -> tuple[str, Handle]:
    case_no = f"29991230{random.randrange(10**6):06d}"
    handle = await sla.env.client.start_workflow(
        CaseWorkflow.run,
        CaseStart(
            case_no=case_no,
            difficulty="simple",
            urgent=False,
            topic="城乡建设",
            ladder=list(LADDER),
        ),
        id=workflow_id(case_no),
        task_queue=sla.task_queue,
    )

    async def settled() -> CaseStatus | None:
        status: CaseStatus = await handle.query(CaseWorkflow.status)
        return status if status.accept_due else None

    await eventually(settled, timeout=10)
    return case_no, handle


async def test_rejection_closes_the_case_with_the_reason(
    sla: SlaHarness, stack: StackAddresses
) -> None:
    case_no, handle = await _start(sla)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(CaseWorkflow.reject, RejectCommand("paidan", "other", " "))
    assert "请填写不予受理的具体理由" in str(refused.value.cause)
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("liuan"))
    status = await handle.execute_update(
        CaseWorkflow.reject, RejectCommand("paidan", "litigation", "已向法院起诉")
    )
    assert status.state == "closed" and status.close_reason == "rejected"
    assert await handle.result() == "rejected"
    (closed,) = await _closed(stack, case_no)
    assert closed.reason == "rejected" and closed.reject_reason == "litigation"
    assert closed.note.startswith("涉诉涉法（已向法院起诉）；建议")
    _record("rejected_after_dispatch", await handle.fetch_history())


async def test_followers_stop_their_deadlines_and_close_with_the_lead(
    sla: SlaHarness, stack: StackAddresses
) -> None:
    lead_no, lead = await _start(sla)
    follower_no, follower = await _start(sla)
    await lead.execute_update(CaseWorkflow.take_follower, TakeFollower("paidan", follower_no))
    status = await follower.execute_update(
        CaseWorkflow.follow, FollowCommand("paidan", lead_no, "同一处路灯")
    )
    assert status.state == "merged" and status.lead == lead_no
    # The lead may not itself follow another case while it leads; no chains, no cycles.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await lead.execute_update(CaseWorkflow.follow, FollowCommand("paidan", follower_no))
    assert "已有并入的工单" in str(refused.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await follower.execute_update(CaseWorkflow.take_follower, TakeFollower("paidan", lead_no))
    assert "本身已并入工单" in str(refused.value.cause)
    # The follower's accept deadline passes: it does not climb the ladder, the lead does.
    await sla.env.sleep(timedelta(days=5))
    assert (await follower.query(CaseWorkflow.status)).tier == "village"
    assert (await lead.query(CaseWorkflow.status)).tier != "village"
    await lead.execute_update(CaseWorkflow.accept, HandlerCommand("街道"))
    await lead.execute_update(CaseWorkflow.resolve, HandlerCommand("街道", "路灯已更换"))
    await lead.execute_update(CaseWorkflow.callback, CallbackResult("回访员", satisfied=True))
    assert await lead.result() == "callback_satisfied"
    assert await follower.result() == "merged"
    (closed,) = await _closed(stack, follower_no)
    assert closed.lead_case_no == lead_no and closed.resolution == "路灯已更换"
    assert closed.note == f"随主办工单 {lead_no} 办结：路灯已更换"
    _record("merged_lead", await lead.fetch_history())
    _record("merged_follower", await follower.fetch_history())


async def test_a_lead_is_not_rejected_and_a_taken_follower_closes_with_it(
    sla: SlaHarness, stack: StackAddresses
) -> None:
    lead_no, lead = await _start(sla)
    follower_no, follower = await _start(sla)
    # The lead took the follower, whose own follow never came: it closes with the lead all
    # the same, since the lead answers for it.
    await lead.execute_update(CaseWorkflow.take_follower, TakeFollower("paidan", follower_no))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await lead.execute_update(CaseWorkflow.reject, RejectCommand("paidan", "outside_city"))
    assert "不能不予受理" in str(refused.value.cause)
    await lead.execute_update(CaseWorkflow.close, HandlerCommand("督办", "已协调解决"))
    assert await follower.result() == "merged"
    status: CaseStatus = await follower.query(CaseWorkflow.status)
    assert status.lead == lead_no and status.close_reason == "merged"
    (closed,) = await _closed(stack, follower_no)
    assert closed.resolution == "已协调解决"
