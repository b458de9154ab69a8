"""The case workflow: holds a case's deadlines, lights and escalation until it is closed.

Deterministic orchestration only: deadlines are computed and events published by
activities. A deadline is "wait for the command or the timer, whichever comes first".
Any change here must keep recorded histories replayable (tests/workflow_histories/).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.sla.contracts import (
        CallbackResult,
        CaseStart,
        CaseStatus,
        DeadlineReply,
        DeadlineRequest,
        HandlerCommand,
        Publication,
        Rung,
        Transition,
    )

AWAITING_ACCEPT = "dispatched"
ACCEPTED = "accepted"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
REOPENED = "reopened"
CLOSED = "closed"
WORKING = (ACCEPTED, IN_PROGRESS, REOPENED)

GREEN, YELLOW, RED = "green", "yellow", "red"
ACTIVITY_TIMEOUT = timedelta(seconds=30)


def _refuse(message: str) -> ApplicationError:
    # Raised by validators: the update is rejected before it enters history.
    return ApplicationError(message, type="IllegalTransition", non_retryable=True)


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow:
    """One per case (id `case-<case_no>`), from dispatch to close-out (销号)."""

    def __init__(self) -> None:
        self.case_no = ""
        self.state = AWAITING_ACCEPT
        self.light = GREEN
        self.ladder: list[Rung] = []
        self.rung = 0
        self.deadlines: DeadlineReply | None = None
        self.history: list[Transition] = []
        self.escalations: list[Transition] = []
        self.seq = 0
        self.reopens = 0
        self.reopen_limit = 2
        self.close_reason = ""
        self.start: CaseStart | None = None
        self.supervised = False

    # -- the run -------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: CaseStart) -> str:
        """Hold deadlines phase by phase until the case is closed; returns the close reason."""
        self.start = start
        self.case_no = start.case_no
        self.ladder = start.ladder
        self.reopen_limit = start.reopen_limit
        self._record("dispatched", note=f"派至{self.unit.unit_name}")
        await self._new_deadlines()
        while self.state != CLOSED:
            if self.state == AWAITING_ACCEPT:
                await self._hold("accept", lambda: self.state != AWAITING_ACCEPT)
            elif self.state in WORKING:
                await self._hold("resolve", lambda: self.state not in WORKING)
            else:  # resolved: the citizen's callback or a supervisor decides
                await workflow.wait_condition(lambda: self.state != RESOLVED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.close_reason

    async def _hold(self, deadline: str, done: Callable[[], bool]) -> None:
        """Wait for the phase to end; turn the light yellow, then red and escalate."""
        assert self.deadlines is not None
        if self.supervised:
            # Under 督办 at the top of the ladder there is no later deadline to miss.
            await workflow.wait_condition(done)
            return
        due_s = self.deadlines.accept_due if deadline == "accept" else self.deadlines.resolve_due
        yellow_s = (
            self.deadlines.accept_yellow_at
            if deadline == "accept"
            else self.deadlines.resolve_yellow_at
        )
        due, yellow = datetime.fromisoformat(due_s), datetime.fromisoformat(yellow_s)
        if self.light == GREEN and not await self._until(done, yellow):
            self.light = YELLOW
            await self._announce_sla("light_changed", deadline, due_s)
        if done():
            return
        if not await self._until(done, due):
            self.light = RED
            await self._announce_sla("breached", deadline, due_s)
            await self._escalate(deadline)

    async def _until(self, done: Callable[[], bool], at: datetime) -> bool:
        """True if `done` holds before `at`; False when the timer fires first."""
        remaining = (at - workflow.now()).total_seconds()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(done, timeout=remaining)
        return done()

    async def _escalate(self, deadline: str) -> None:
        """Move the case one rung up with fresh deadlines; at the top, 督办 holds it."""
        if self.rung + 1 >= len(self.ladder):
            self.supervised = True
            self._record("supervised", note=f"{deadline} 超时，已在最高层级督办")
            await self._announce_sla("supervised", deadline, "")
            return
        from_tier = self.unit.tier
        self.rung += 1
        self.state = AWAITING_ACCEPT
        entry = self._record("escalated", note=f"{deadline} 超时，由{from_tier}升级")
        self.escalations.append(entry)
        await self._new_deadlines()
        await self._announce_sla(
            "escalated",
            deadline,
            self.deadlines.accept_due if self.deadlines else "",
            from_tier=from_tier,
        )

    async def _new_deadlines(self) -> None:
        assert self.start is not None
        self.deadlines = await workflow.execute_activity(
            "compute_deadlines",
            DeadlineRequest(
                difficulty=self.start.difficulty,
                urgent=self.start.urgent,
                start=workflow.now().isoformat(),
            ),
            result_type=DeadlineReply,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )
        self.light = GREEN

    # -- commands ------------------------------------------------------------------------

    @workflow.update(name="accept")
    async def accept(self, cmd: HandlerCommand) -> CaseStatus:
        """签收: the assigned unit takes the case."""
        self.state = ACCEPTED
        self.light = GREEN
        self._record("accepted", actor=cmd.actor, note=cmd.note)
        await self._announce_action("accepted", cmd)
        return self.status()

    @accept.validator
    def _accept_ok(self, cmd: HandlerCommand) -> None:
        if self.state != AWAITING_ACCEPT:
            raise _refuse(f"当前状态为「{self.state}」，不能签收")
        self._need_actor(cmd)

    @workflow.update(name="progress")
    async def progress(self, cmd: HandlerCommand) -> CaseStatus:
        """Report progress (办理进展)."""
        self.state = IN_PROGRESS
        self._record("progressed", actor=cmd.actor, note=cmd.note)
        await self._announce_action("progressed", cmd)
        return self.status()

    @progress.validator
    def _progress_ok(self, cmd: HandlerCommand) -> None:
        if self.state not in WORKING:
            raise _refuse(f"当前状态为「{self.state}」，签收后才能反馈进展")
        self._need_actor(cmd)
        if not cmd.note.strip():
            raise _refuse("请填写办理进展")

    @workflow.update(name="resolve")
    async def resolve(self, cmd: HandlerCommand) -> CaseStatus:
        """办结: the unit reports the matter solved; a callback follows."""
        self.state = RESOLVED
        self.light = GREEN
        self._record("resolved", actor=cmd.actor, note=cmd.note)
        await self._announce_action("resolved", cmd)
        return self.status()

    @resolve.validator
    def _resolve_ok(self, cmd: HandlerCommand) -> None:
        if self.state not in WORKING:
            raise _refuse(f"当前状态为「{self.state}」，签收后才能办结")
        self._need_actor(cmd)
        if not cmd.note.strip():
            raise _refuse("请填写办结情况（办理结果）")

    @workflow.update(name="callback")
    async def callback(self, result: CallbackResult) -> CaseStatus:
        """回访: satisfied closes; unsatisfied reopens at the same unit, up to the limit."""
        cmd = HandlerCommand(actor=result.actor, note=result.note)
        if result.satisfied:
            await self._announce_action("callback_recorded", cmd, extra="满意")
            await self._close("callback_satisfied", cmd)
            return self.status()
        await self._announce_action("callback_recorded", cmd, extra="不满意")
        self.reopens += 1
        if self.reopens > self.reopen_limit:
            self._record("reopen_limit", actor=cmd.actor, note="重办次数已达上限，升级处理")
            await self._escalate("resolve")
        else:
            self.state = REOPENED
            self._record("reopened", actor=cmd.actor, note=cmd.note)
            await self._new_deadlines()
            await self._announce_action("reopened", cmd)
        return self.status()

    @callback.validator
    def _callback_ok(self, result: CallbackResult) -> None:
        if self.state != RESOLVED:
            raise _refuse(f"当前状态为「{self.state}」，办结后才能回访")
        if not result.actor.strip():
            raise _refuse("请填写回访人")

    @workflow.update(name="close")
    async def close(self, cmd: HandlerCommand) -> CaseStatus:
        """督办销号: a supervisor closes the case, with a reason."""
        await self._close("supervisor", cmd)
        return self.status()

    @close.validator
    def _close_ok(self, cmd: HandlerCommand) -> None:
        if self.state == CLOSED:
            raise _refuse("工单已办结销号")
        self._need_actor(cmd)
        if not cmd.note.strip():
            raise _refuse("督办销号须填写理由")

    async def _close(self, reason: str, cmd: HandlerCommand) -> None:
        self.state = CLOSED
        self.close_reason = reason
        self._record("closed", actor=cmd.actor, note=cmd.note)
        await self._publish(
            "closed", reason=reason, note=cmd.note, closed_at=workflow.now().isoformat()
        )

    @staticmethod
    def _need_actor(cmd: HandlerCommand) -> None:
        if not cmd.actor.strip():
            raise _refuse("请填写操作人")

    # -- queries -------------------------------------------------------------------------

    @workflow.query(name="status")
    def status(self) -> CaseStatus:
        """State, tier, light, deadlines and history."""
        d = self.deadlines
        return CaseStatus(
            case_no=self.case_no,
            state=self.state,
            tier=self.unit.tier,
            unit_id=self.unit.unit_id,
            unit_name=self.unit.unit_name,
            light=self.light,
            accept_due=d.accept_due if d else None,
            resolve_due=d.resolve_due if d else None,
            escalations=list(self.escalations),
            history=list(self.history),
        )

    # -- helpers -------------------------------------------------------------------------

    @property
    def unit(self) -> Rung:
        return self.ladder[self.rung]

    def _record(self, kind: str, *, actor: str = "", note: str = "") -> Transition:
        entry = Transition(
            at=workflow.now().isoformat(),
            kind=kind,
            state=self.state,
            tier=self.unit.tier,
            unit_id=self.unit.unit_id,
            note=f"{actor}：{note}" if actor else note,
        )
        self.history.append(entry)
        return entry

    async def _announce_sla(
        self, kind: str, deadline: str, due: str, *, from_tier: str = ""
    ) -> None:
        await self._publish(
            "sla",
            kind=kind,
            deadline=deadline,
            light=self.light,
            tier=self.unit.tier,
            unit_id=self.unit.unit_id,
            due=due,
            from_tier=from_tier,
            escalation_level=self.rung,
        )

    async def _announce_action(self, action: str, cmd: HandlerCommand, extra: str = "") -> None:
        await self._publish(
            "action",
            action=action,
            actor=cmd.actor,
            unit_id=self.unit.unit_id,
            note=f"{extra} {cmd.note}".strip(),
            state=self.state,
            at=workflow.now().isoformat(),
        )

    async def _publish(self, topic: str, **fields: str | int | bool) -> None:
        # Sequence-numbered ids: a retried activity republishes the same event id.
        self.seq += 1
        await workflow.execute_activity(
            "publish_event",
            Publication(
                event_id=f"{workflow.info().workflow_id}/{self.seq}",
                case_no=self.case_no,
                topic=topic,
                fields=dict(fields),
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )
