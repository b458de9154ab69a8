"""Moving a case after acceptance on the time-skipping server: 改派 (transfer) by a
supervisor, 上报 (takeover) accepted and refused by the tier above."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from services.sla.contracts import HandlerCommand, Rung
from services.sla.domain.moves import TakeoverDecision, TakeoverRequest, TransferCommand
from services.sla.workflow import CaseWorkflow
from tests.integration.conftest import SlaHarness
from tests.integration.test_case_workflow import _record, _start, _status

OTHER_VILLAGE = [
    Rung("village", "U-D01-T02-V01", "新华社区居民委员会"),
    Rung("township", "U-D01-T02", "东城街道综合执法和便民服务中心"),
    Rung("district", "U-D01-ZJJ", "明湖区住房和城乡建设局"),
    Rung("supervision", "U-D01-DBZX", "明湖区12345督办中心"),
]


async def _refusal(coro: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await coro  # type: ignore[misc]
    return str(getattr(refused.value.cause, "message", refused.value.cause))


async def _sleep_until(sla: SlaHarness, due: str | None, offset: timedelta) -> None:
    """Skip time to `offset` from a deadline (deadlines lie within office hours)."""
    target = datetime.fromisoformat(due or "") + offset
    await sla.env.sleep(target - await sla.env.get_current_time())


async def test_transfer_after_acceptance_restarts_acceptance_and_keeps_resolve(
    sla: SlaHarness,
) -> None:
    _, handle = await _start(sla)
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("liuan"))
    before = await _status(handle)
    # Into office hours, before the accept deadline: a fresh one then lies later.
    await _sleep_until(sla, before.accept_due, timedelta(minutes=-30))
    here = Rung("village", "U-D01-T01-V01", "柳岸社区居民委员会")
    same = TransferCommand("hubin-duban", "职责不符", to=here)
    assert "已在该单位" in await _refusal(handle.execute_update(CaseWorkflow.transfer, same))
    nameless = TransferCommand("hubin-duban", "  ", to=OTHER_VILLAGE[0], township=OTHER_VILLAGE[1])
    assert "改派理由" in await _refusal(handle.execute_update(CaseWorkflow.transfer, nameless))

    moved = await handle.execute_update(
        CaseWorkflow.transfer,
        TransferCommand(
            "hubin-duban", "属新华社区辖区", to=OTHER_VILLAGE[0], township=OTHER_VILLAGE[1]
        ),
    )
    assert moved.unit_id == "U-D01-T02-V01" and moved.state == "dispatched"
    assert moved.transfers == 1 and moved.escalations == []
    assert moved.accept_due and before.accept_due and moved.accept_due > before.accept_due
    assert moved.resolve_due == before.resolve_due  # the policy keeps the resolve deadline
    assert moved.history[-1].kind == "transferred" and "属新华社区辖区" in moved.history[-1].note
    back = HandlerCommand("xinhua", "不归我们管")
    assert "不能退单" in await _refusal(handle.execute_update(CaseWorkflow.bounce, back))
    accepted = await handle.execute_update(CaseWorkflow.accept, HandlerCommand("xinhua"))
    assert accepted.state == "accepted" and accepted.unit_id == "U-D01-T02-V01"
    # Past the kept resolve deadline the new unit's case escalates to its own township.
    due = datetime.fromisoformat(before.resolve_due or "")
    await sla.env.sleep(due - await sla.env.get_current_time() + timedelta(hours=1))
    status = await _status(handle)
    assert status.unit_id == "U-D01-T02" and status.tier == "township"
    _record("transferred_after_acceptance", await handle.fetch_history())


async def test_takeover_accepted_moves_the_case_up_without_a_breach(sla: SlaHarness) -> None:
    _, handle = await _start(sla)
    early = TakeoverRequest("liuan", "涉及多个社区")
    assert "签收后才能上报" in await _refusal(
        handle.execute_update(CaseWorkflow.request_takeover, early)
    )
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("liuan"))
    before = await _status(handle)
    asked = await handle.execute_update(
        CaseWorkflow.request_takeover, TakeoverRequest("liuan", "涉及多个社区，需街道协调")
    )
    assert asked.pending_takeover is not None
    assert asked.pending_takeover.to.unit_id == "U-D01-T01"
    assert asked.unit_id == "U-D01-T01-V01" and asked.resolve_due == before.resolve_due
    again = TakeoverRequest("liuan", "再次上报")
    assert "待上级决定" in await _refusal(
        handle.execute_update(CaseWorkflow.request_takeover, again)
    )
    await _sleep_until(sla, before.resolve_due, timedelta(hours=-2))
    taken = await handle.execute_update(
        CaseWorkflow.decide_takeover, TakeoverDecision("hubin", accept=True, note="街道牵头")
    )
    assert taken.pending_takeover is None and taken.takeovers == 1
    assert taken.unit_id == "U-D01-T01" and taken.tier == "township"
    assert taken.state == "accepted" and taken.escalations == []
    assert taken.resolve_due and before.resolve_due and taken.resolve_due > before.resolve_due
    kinds = [h.kind for h in taken.history]
    assert kinds[-2:] == ["takeover_requested", "takeover_decided"]
    done = await handle.execute_update(CaseWorkflow.resolve, HandlerCommand("hubin", "已协调处理"))
    assert done.state == "resolved" and done.unit_id == "U-D01-T01"
    _record("takeover_accepted", await handle.fetch_history())


async def test_takeover_refused_keeps_the_unit_and_its_clock(sla: SlaHarness) -> None:
    _, handle = await _start(sla)
    await handle.execute_update(CaseWorkflow.accept, HandlerCommand("liuan"))
    before = await _status(handle)
    await handle.execute_update(
        CaseWorkflow.request_takeover, TakeoverRequest("liuan", "本社区无力处理")
    )
    bare = TakeoverDecision("hubin", accept=False)
    assert "理由" in await _refusal(handle.execute_update(CaseWorkflow.decide_takeover, bare))
    refused = await handle.execute_update(
        CaseWorkflow.decide_takeover,
        TakeoverDecision("hubin", accept=False, note="属社区职责，请社区办理"),
    )
    assert refused.pending_takeover is None and refused.takeovers == 0
    assert refused.unit_id == "U-D01-T01-V01" and refused.state == "accepted"
    assert refused.accept_due == before.accept_due
    assert refused.resolve_due == before.resolve_due
    assert "属社区职责" in refused.history[-1].note
    none_left = TakeoverDecision("hubin", accept=True)
    assert "没有待决定" in await _refusal(
        handle.execute_update(CaseWorkflow.decide_takeover, none_left)
    )
    # The unit asks again and its case still escalates on its own deadline if nobody decides.
    await handle.execute_update(
        CaseWorkflow.request_takeover, TakeoverRequest("liuan", "情况有变，再次上报")
    )
    due = datetime.fromisoformat(before.resolve_due or "")
    await sla.env.sleep(due - await sla.env.get_current_time() + timedelta(hours=1))
    status = await _status(handle)
    assert status.tier == "township" and len(status.escalations) == 1
    assert status.pending_takeover is None  # the request left behind does not count
    _record("takeover_refused", await handle.fetch_history())
