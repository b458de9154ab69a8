"""合并 and 不予受理 on a time-skipping server: a real worker, events caught at the producer."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.common.events import decode
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.sla.activities import SlaActivities
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
from services.sla.domain import WorkingCalendar, load_policy
from services.sla.workflow import CaseWorkflow
from tests.integration.conftest import DEFAULT_POLICY, TEST_SERVER
from tests.integration.test_case_workflow import _record
from tests.support import eventually

LADDER = [
    Rung("village", "U-D01-T01-V01", "柳岸社区居民委员会"),
    Rung("township", "U-D01-T01", "湖滨街道办事处"),
    Rung("district", "U-D01-ZJJ", "明湖区住房和城乡建设局"),
    Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
]
Handle = WorkflowHandle[CaseWorkflow, str]


@dataclass
class Producer:
    """Keeps what the publish activity sends, instead of Kafka."""

    sent: list[tuple[str, bytes]] = field(default_factory=list)

    async def send_and_wait(self, topic: str, *, value: bytes, **_: Any) -> None:
        self.sent.append((topic, value))

    def closed(self, case_no: str) -> list[case_pb2.CaseClosed]:
        out = []
        for _, value in self.sent:
            env, msg = decode(value)
            if env.subject == case_no and isinstance(msg, case_pb2.CaseClosed):
                out.append(msg)
        return out


@dataclass
class Harness:
    env: WorkflowEnvironment
    queue: str
    producer: Producer


@pytest.fixture
async def sla() -> AsyncIterator[Harness]:
    # A busy machine starts the JVM slowly: wait longer than the SDK's 5 s.
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER),
        test_server_startup_timeout=timedelta(seconds=90),
    )
    policy = load_policy(DEFAULT_POLICY)
    producer = Producer()
    activities = SlaActivities(policy, WorkingCalendar.from_policy(policy), producer)  # type: ignore[arg-type]
    queue = f"sla-merge-{uuid.uuid4()}"
    try:
        async with Worker(
            env.client, task_queue=queue, workflows=[CaseWorkflow], activities=activities.all()
        ):
            yield Harness(env, queue, producer)
    finally:
        await env.shutdown()


async def _start(sla: Harness) -> tuple[str, Handle]:
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
        task_queue=sla.queue,
    )

    async def settled() -> CaseStatus | None:
        status: CaseStatus = await handle.query(CaseWorkflow.status)
        return status if status.accept_due else None

    await eventually(settled, timeout=10)
    return case_no, handle


async def test_rejection_closes_the_case_with_the_reason(sla: Harness) -> None:
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
    (closed,) = sla.producer.closed(case_no)
    assert closed.reason == "rejected" and closed.reject_reason == "litigation"
    assert closed.note.startswith("涉诉涉法（已向法院起诉）；建议")
    _record("rejected_after_dispatch", await handle.fetch_history())


async def test_followers_stop_their_deadlines_and_close_with_the_lead(sla: Harness) -> None:
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
    (closed,) = sla.producer.closed(follower_no)
    assert closed.lead_case_no == lead_no and closed.resolution == "路灯已更换"
    assert closed.note == f"随主办工单 {lead_no} 办结：路灯已更换"
    _record("merged_lead", await lead.fetch_history())
    _record("merged_follower", await follower.fetch_history())


async def test_a_lead_is_not_rejected_and_a_taken_follower_closes_with_it(sla: Harness) -> None:
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
    (closed,) = sla.producer.closed(follower_no)
    assert closed.resolution == "已协调解决"
