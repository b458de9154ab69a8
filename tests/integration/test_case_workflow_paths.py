"""More paths of the case workflow on the time-skipping server: extension, bounce, legacy
progress reports, unreachable callbacks, callback window, continuing as new."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from services.sla.contracts import (
    CallbackResult,
    CaseStart,
    CaseStatus,
    ExtensionDecision,
    ExtensionRequest,
    HandlerCommand,
    Limits,
    Rung,
    workflow_id,
)
from services.sla.workflow import CaseWorkflow
from tests.integration.conftest import SlaHarness
from tests.integration.test_case_workflow import LADDER, _case_no, _record, _start, _status
from tests.support import eventually


async def _until_state(handle: object, state: str) -> CaseStatus:
    async def probe() -> CaseStatus | None:
        status = await _status(handle)  # type: ignore[arg-type]
        return status if status.state == state else None

    return await eventually(probe, timeout=10)


OTHER_LADDER = [
    Rung("village", "U-D01-T01-V02", "金桥社区居民委员会"),
    Rung("township", "U-D01-T01", "湖滨街道办事处"),
    Rung("district", "U-D01-ZJJ", "明湖区住房和城乡建设局"),
    Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
]


def _redispatch(
    case_no: str, ladder: list[Rung], event_id: str, *, attempt: int, arbitrated: bool = False
) -> CaseStart:
    """What sla's consumer signals when dispatch chose a unit again."""
    return CaseStart(
        case_no=case_no,
        difficulty="general",
        urgent=False,
        topic="城乡建设",
        ladder=ladder,
        dispatch_event_id=event_id,
        attempt=attempt,
        arbitrated=arbitrated,
    )


async def _refusal(coro: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await coro  # type: ignore[misc]
    return str(getattr(refused.value.cause, "message", refused.value.cause))


async def test_extension_approved_moves_the_deadline_and_denied_keeps_it(sla: SlaHarness) -> None:
    _, handle = await _start(sla, difficulty="general")
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("张三"))
    before = (await _status(handle)).resolve_due
    assert before is not None
    too_much = ExtensionRequest("张三", amount=11, reason="需协调多个部门")
    assert "超出上限" in await _refusal(
        handle.execute_update(CaseWorkflow.request_extension, too_much)
    )

    asked = await handle.execute_update(
        CaseWorkflow.request_extension, ExtensionRequest("张三", amount=3, reason="等待材料")
    )
    assert asked.pending_extension is not None and asked.resolve_due == before
    again = ExtensionRequest("张三", amount=1, reason="再等等")
    assert "待审批" in await _refusal(handle.execute_update(CaseWorkflow.request_extension, again))
    approved = await handle.execute_update(
        CaseWorkflow.decide_extension, ExtensionDecision("街道办主任", approve=True)
    )
    assert approved.pending_extension is None
    assert approved.resolve_due is not None and approved.resolve_due > before
    moved = datetime.fromisoformat(approved.resolve_due) - datetime.fromisoformat(before)
    assert moved >= timedelta(days=3)  # three working days, weekends come on top

    await handle.execute_update(
        CaseWorkflow.request_extension, ExtensionRequest("张三", amount=2, reason="天气原因")
    )
    denied = await handle.execute_update(
        CaseWorkflow.decide_extension, ExtensionDecision("街道办主任", approve=False, note="不批")
    )
    assert denied.resolve_due == approved.resolve_due
    # Past the original deadline but inside the extended one: no breach, no escalation.
    now = await sla.env.get_current_time()
    await sla.env.sleep(datetime.fromisoformat(before) - now + timedelta(hours=1))
    status = await _status(handle)
    assert status.tier == "village" and status.escalations == []
    kinds = [h.kind for h in status.history]
    assert kinds.count("extension_requested") == 2 and kinds.count("extension_decided") == 2
    # Past the extended deadline the case escalates as usual.
    await sla.env.sleep(datetime.fromisoformat(approved.resolve_due) - before_dt(before))
    assert (await _status(handle)).tier == "township"
    _record("extension_approved_and_denied", await handle.fetch_history())


def before_dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_bounce_then_redispatch_to_another_unit(sla: SlaHarness) -> None:
    case_no, handle = await _start(sla, difficulty="general")
    status = await _status(handle)
    assert status.bounce_until is not None
    bounced = await handle.execute_update(
        CaseWorkflow.bounce, HandlerCommand("柳岸社区", "不属于本社区辖区")
    )
    assert bounced.state == "bounced" and bounced.bounces == 1
    await handle.signal(
        CaseWorkflow.redispatched,
        _redispatch(case_no, OTHER_LADDER, "redispatch-1", attempt=1),
    )
    status = await _until_state(handle, "dispatched")
    assert status.unit_id == "U-D01-T01-V02"
    assert status.history[-1].kind == "redispatched"
    # The same dispatch event twice changes nothing.
    await handle.signal(
        CaseWorkflow.redispatched,
        _redispatch(case_no, LADDER, "redispatch-1", attempt=1),
    )
    assert (await _status(handle)).unit_id == "U-D01-T01-V02"
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("金桥社区"))
    after = HandlerCommand("金桥社区", "不归我们管")
    assert "签收后不能退单" in await _refusal(handle.execute_update(CaseWorkflow.bounce, after))
    _record("bounced_and_redispatched", await handle.fetch_history())


async def test_bounce_refused_after_window_and_after_arbitration(sla: SlaHarness) -> None:
    case_no, handle = await _start(sla, difficulty="general")
    until = datetime.fromisoformat((await _status(handle)).bounce_until or "")
    await sla.env.sleep(until - await sla.env.get_current_time() + timedelta(minutes=5))
    late = HandlerCommand("柳岸社区", "不属于本社区")
    assert "超过退单时限" in await _refusal(handle.execute_update(CaseWorkflow.bounce, late))

    _, arbitrated = await _start(sla, difficulty="general")
    await arbitrated.signal(
        CaseWorkflow.redispatched,
        _redispatch(case_no, OTHER_LADDER, "arb-1", attempt=3, arbitrated=True),
    )

    async def reassigned() -> CaseStatus | None:
        status = await _status(arbitrated)
        return status if status.arbitrated else None

    status = await eventually(reassigned, timeout=10)
    assert status.unit_id == "U-D01-T01-V02"
    final = HandlerCommand("金桥社区", "还是不归我们")
    assert "仲裁" in await _refusal(arbitrated.execute_update(CaseWorkflow.bounce, final))


async def test_legacy_case_missing_a_progress_report_turns_red(sla: SlaHarness) -> None:
    _, handle = await _start(sla, difficulty="legacy")
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("区住建局"))
    await handle.execute_update(CaseWorkflow.progress, HandlerCommand("区住建局", "制定分步方案"))
    await sla.env.sleep(timedelta(days=8))
    status = await _status(handle)
    assert status.light == "red"
    assert "progress_report_missed" in [h.kind for h in status.history]
    assert status.tier == "village" and status.escalations == []  # a report is not a breach
    after = await handle.execute_update(
        CaseWorkflow.progress, HandlerCommand("区住建局", "第一阶段完成")
    )
    assert after.light in ("green", "yellow")
    _record("legacy_progress_reports", await handle.fetch_history())


async def test_unreachable_callbacks_go_to_a_supervisor(sla: SlaHarness) -> None:
    _, handle = await _start(sla)
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("柳岸社区"))
    await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("柳岸社区", "已修好"))
    for _ in range(3):
        status = await handle.execute_update(
            CaseWorkflow.callback, CallbackResult("回访员", satisfied=False, reached=False)
        )
    assert status.state == "resolved" and status.callback_attempts == 3
    assert status.history[-1].kind == "callback_unreachable"
    closed = await handle.execute_update(
        CaseWorkflow.close, HandlerCommand("督办员", "三次未接通，按已办结销号")
    )
    assert closed.state == "closed"
    assert await handle.result() == "supervisor"


async def test_callback_window_overdue_is_flagged_once(sla: SlaHarness) -> None:
    _, handle = await _start(sla)
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("柳岸社区"))
    await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("柳岸社区", "已修好"))
    await sla.env.sleep(timedelta(days=10))
    kinds = [h.kind for h in (await _status(handle)).history]
    assert kinds.count("callback_overdue") == 1
    done = await handle.execute_update(CaseWorkflow.callback, CallbackResult("回访员", True))
    assert done.state == "closed"


async def test_long_case_continues_as_new_and_keeps_its_file(sla: SlaHarness) -> None:
    case_no = _case_no()
    handle = await sla.env.client.start_workflow(
        CaseWorkflow.run,
        CaseStart(
            case_no=case_no,
            difficulty="legacy",
            urgent=False,
            topic="城乡建设",
            ladder=list(LADDER),
            limits=Limits(history_limit=60),
        ),
        id=workflow_id(case_no),
        task_queue=sla.task_queue,
    )
    first_run = (await handle.describe()).run_id
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("区住建局"))
    for i in range(12):
        await handle.execute_update(CaseWorkflow.progress, HandlerCommand("区住建局", f"进展 {i}"))
    status = await _status(handle)
    assert (await handle.describe()).run_id != first_run
    assert [h.kind for h in status.history].count("progressed") == 12
    assert status.state == "in_progress"
    await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("区住建局", "分步解决"))
    closed = await handle.execute_update(CaseWorkflow.callback, CallbackResult("回访员", True))
    assert closed.state == "closed"
