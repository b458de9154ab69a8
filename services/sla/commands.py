"""Commands to the case workflow: handler, supervisor and dispatch updates and signals.

Each update has a validator asking the pure CaseFile whether the state allows it, so an
illegal transition is refused with a Chinese reason before it enters history.
"""

from __future__ import annotations

from temporalio import workflow

from services.sla.workflow_base import (
    ACTIVITY_TIMEOUT,
    PATCH_CALLBACK_WINDOW,
    PATCH_DEADLINES_FIRST,
    CaseBase,
    at_time,
    refusing,
)

with workflow.unsafe.imports_passed_through():
    from services.common.labels import amount
    from services.sla.contracts import (
        CallbackResult,
        CaseStart,
        CaseStatus,
        ExtendRequest,
        ExtensionDecision,
        ExtensionRequest,
        HandlerCommand,
        WindowRequest,
    )
    from services.sla.domain.casefile import (
        ACCEPTED,
        AWAITING_ACCEPT,
        BOUNCED,
        CLOSED,
        GREEN,
        IN_PROGRESS,
        MERGED,
        RED,
        REOPENED,
        RESOLVED,
        YELLOW,
        Clock,
        Extension,
    )


class CaseCommands(CaseBase):
    """The updates and signals of the case workflow."""

    @workflow.update(name="accept")
    async def accept(self, cmd: HandlerCommand) -> CaseStatus:
        """签收: the assigned unit takes the case."""
        self.f.state = ACCEPTED
        self.f.light = GREEN
        self._record("accepted", actor=cmd.actor, note=cmd.note)
        await self._announce_action("accepted", cmd)
        return self.status()

    @accept.validator
    def _accept_ok(self, cmd: HandlerCommand) -> None:
        refusing(lambda: self.f.check_accept(cmd.actor))

    @workflow.update(name="progress")
    async def progress(self, cmd: HandlerCommand) -> CaseStatus:
        """Report progress (办理进展); for legacy cases it is the periodic report."""
        f = self.f
        f.state = IN_PROGRESS
        f.last_progress_at = workflow.now().isoformat()
        if f.light == RED and not f.supervised and f.clock:
            # A late report clears the report's red; the resolve deadline decides the rest.
            f.light = YELLOW if workflow.now() >= at_time(f.clock.resolve_yellow_at) else GREEN
        self._record("progressed", actor=cmd.actor, note=cmd.note)
        await self._announce_action("progressed", cmd)
        return self.status()

    @progress.validator
    def _progress_ok(self, cmd: HandlerCommand) -> None:
        refusing(lambda: self.f.check_progress(cmd.actor, cmd.note))

    @workflow.update(name="resolve")
    async def resolve(self, cmd: HandlerCommand) -> CaseStatus:
        """办结: the unit reports the matter solved; a callback follows within its window."""
        if self.patched(PATCH_CALLBACK_WINDOW):
            # Before the state changes, so the run loop waits with the window already set.
            self.f.callback_due = await workflow.execute_activity(
                "callback_window",
                WindowRequest(start=workflow.now().isoformat()),
                result_type=str,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
        self.f.state = RESOLVED
        self.f.light = GREEN
        self.f.resolution = cmd.note  # what merged followers close with
        self._record("resolved", actor=cmd.actor, note=cmd.note)
        await self._announce_action("resolved", cmd)
        return self.status()

    @resolve.validator
    def _resolve_ok(self, cmd: HandlerCommand) -> None:
        refusing(lambda: self.f.check_resolve(cmd.actor, cmd.note))
        if self.joint is not None:
            refusing(self.joint.check_lead_resolve)

    @workflow.update(name="callback")
    async def callback(self, result: CallbackResult) -> CaseStatus:
        """回访: satisfied closes; unsatisfied reopens, up to the limit; unreachable retries."""
        f = self.f
        cmd = HandlerCommand(actor=result.actor, note=result.note)
        if not result.reached:
            f.callback_attempts += 1
            await self._announce_action("callback_recorded", cmd, extra="未接通", reached=False)
            if f.callback_attempts == f.limits.callback_attempts:
                self._record(
                    "callback_unreachable",
                    actor=cmd.actor,
                    note=f"回访 {f.callback_attempts} 次未接通，转督办",
                )
                await self._announce_sla("supervised", "callback", "")
            return self.status()
        if result.satisfied:
            await self._announce_action(
                "callback_recorded", cmd, extra="满意", reached=True, satisfied=True
            )
            await self._close("callback_satisfied", cmd)
            return self.status()
        await self._announce_action(
            "callback_recorded", cmd, extra="不满意", reached=True, satisfied=False
        )
        f.reopens += 1
        if f.reopens > f.limits.reopen_limit:
            self._record("reopen_limit", actor=cmd.actor, note="重办次数已达上限，升级处理")
            await self._escalate("resolve")
        elif self.patched(PATCH_DEADLINES_FIRST):
            clock = await self._compute_clock()
            f.state = REOPENED
            f.clock, f.light = clock, GREEN
            self._record("reopened", actor=cmd.actor, note=cmd.note)
            await self._announce_action("reopened", cmd)
            await self._deadlines_changed()
        else:
            f.state = REOPENED
            self._record("reopened", actor=cmd.actor, note=cmd.note)
            await self._new_deadlines()
            await self._announce_action("reopened", cmd)
            await self._deadlines_changed()
        return self.status()

    @callback.validator
    def _callback_ok(self, result: CallbackResult) -> None:
        refusing(lambda: self.f.check_callback(result.actor))

    @workflow.update(name="close")
    async def close(self, cmd: HandlerCommand) -> CaseStatus:
        """督办销号: a supervisor closes the case, with a reason."""
        await self._close("supervisor", cmd)
        return self.status()

    @close.validator
    def _close_ok(self, cmd: HandlerCommand) -> None:
        refusing(lambda: self.f.check_close(cmd.actor, cmd.note))

    @workflow.update(name="request_extension")
    async def request_extension(self, req: ExtensionRequest) -> CaseStatus:
        """延期申请: more time for the resolve deadline, decided by the tier above."""
        f = self.f
        f.pending_extension = Extension(
            actor=req.actor,
            amount=req.amount,
            reason=req.reason,
            requested_at=workflow.now().isoformat(),
        )
        note = f"申请延期 {amount(req.amount, f.limits.extension_unit)}：{req.reason}"
        self._record("extension_requested", actor=req.actor, note=note)
        await self._announce_action("extension_requested", HandlerCommand(req.actor, note))
        return self.status()

    @request_extension.validator
    def _extension_ok(self, req: ExtensionRequest) -> None:
        refusing(lambda: self.f.check_extension_request(req.actor, req.amount, req.reason))

    @workflow.update(name="decide_extension")
    async def decide_extension(self, dec: ExtensionDecision) -> CaseStatus:
        """The tier above approves (the deadline moves) or denies (it stays)."""
        f = self.f
        pending = f.pending_extension
        assert pending is not None and f.clock is not None
        f.pending_extension = None
        verdict = "批准" if dec.approve else "驳回"
        if dec.approve:
            f.extensions_granted += 1
            f.extension_used += pending.amount
            clock = await workflow.execute_activity(
                "extend_deadline",
                ExtendRequest(clock=f.clock, amount=pending.amount, unit=f.limits.extension_unit),
                result_type=Clock,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
            f.clock = clock
            self.moves += 1
            if f.light != RED:
                f.light = YELLOW if workflow.now() >= at_time(clock.resolve_yellow_at) else GREEN
        self._record("extension_decided", actor=dec.actor, note=f"{verdict}延期 {dec.note}".strip())
        await self._announce_action(
            "extension_decided", HandlerCommand(dec.actor, dec.note), extra=verdict
        )
        if dec.approve:
            await self._deadlines_changed()
        return self.status()

    @decide_extension.validator
    def _decision_ok(self, dec: ExtensionDecision) -> None:
        refusing(lambda: self.f.check_extension_decision(dec.actor))

    @workflow.update(name="bounce")
    async def bounce(self, cmd: HandlerCommand) -> CaseStatus:
        """退单: a wrong assignment goes back to dispatch, which picks another unit."""
        f = self.f
        f.state = BOUNCED
        f.bounces += 1
        self._record("bounced", actor=cmd.actor, note=cmd.note)
        await self._announce_action("bounced", cmd)
        return self.status()

    @bounce.validator
    def _bounce_ok(self, cmd: HandlerCommand) -> None:
        refusing(lambda: self.f.check_bounce(cmd.actor, cmd.note, workflow.now().isoformat()))

    @workflow.signal(name="redispatched")
    async def redispatched(self, start: CaseStart) -> None:
        """Dispatch chose a (new) unit: after a bounce, by arbitration or a dispatcher."""
        f = self.f
        if start.dispatch_event_id and start.dispatch_event_id in f.dispatch_ids:
            return
        if f.state in (CLOSED, MERGED):
            return  # a merged case follows its lead, wherever dispatch places it
        f.dispatch_ids.append(start.dispatch_event_id)
        clock = await self._compute_clock()
        f.ladder = list(start.ladder)
        f.rung = 0
        f.arbitrated = start.arbitrated
        f.state = AWAITING_ACCEPT
        f.supervised = False
        f.clock, f.light = clock, GREEN
        self.moves += 1
        how = "仲裁指定" if start.arbitrated else "重新派单"
        self._record("redispatched", note=f"{how}至{f.unit.unit_name}")
        await self._deadlines_changed()
