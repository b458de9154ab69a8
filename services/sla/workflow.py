"""The case workflow: holds a case's deadlines, lights and escalation until it is closed.

Deterministic orchestration only: deadlines are computed and events published by
activities, and what a command may do is decided by the pure CaseFile. A deadline is "wait
for the command or the timer, whichever comes first". Every change here must keep the
recorded histories in tests/workflow_histories/ replayable: new timers go behind
a patch, decided at the start of a run (see decide_patches in workflow_base).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

from services.sla.commands import CaseCommands
from services.sla.merging import MergeCommands
from services.sla.moves import MoveCommands
from services.sla.parts import JointParts
from services.sla.workflow_base import PATCH_PROGRESS, at_time

with workflow.unsafe.imports_passed_through():
    from services.sla.contracts import CaseStart
    from services.sla.domain.casefile import (
        AWAITING_ACCEPT,
        BOUNCED,
        CLOSED,
        GREEN,
        MERGED,
        RED,
        RESOLVED,
        WORKING,
        YELLOW,
        CaseFile,
        Limits,
    )


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow(MoveCommands, MergeCommands, CaseCommands, JointParts):
    """One per case (id `case-<case_no>`), from dispatch to close-out (销号)."""

    @workflow.run
    async def run(self, start: CaseStart) -> str:
        """Hold deadlines phase by phase until the case is closed; returns the close reason."""
        self.decide_patches()
        self.start = start
        self.decide_joint(start)
        if start.carried is not None:
            self.file = start.carried
            await self.open_parts(start, None)
        else:
            limits = start.limits or Limits(reopen_limit=start.reopen_limit)
            self.file = CaseFile(
                case_no=start.case_no,
                difficulty=start.difficulty,
                urgent=start.urgent,
                topic=start.topic,
                ladder=list(start.ladder),
                limits=limits,
                arbitrated=start.arbitrated,
                dispatch_ids=[start.dispatch_event_id] if start.dispatch_event_id else [],
            )
            self._record("dispatched", note=f"派至{self.f.unit.unit_name}")
            await self._new_deadlines(self._dispatched_at())
            await self._deadlines_changed()
            await self.open_parts(start, self._dispatched_at())
        self.hold_parts()
        while self.f.state != CLOSED:
            if self._history_too_long():
                await workflow.wait_condition(self._quiet)
                workflow.continue_as_new(self._carry_over())
            if self.f.state == AWAITING_ACCEPT:
                await self._hold("accept", lambda: self.f.state != AWAITING_ACCEPT)
            elif self.f.state in WORKING:
                await self._hold("resolve", lambda: self.f.state not in WORKING)
            elif self.f.state == MERGED:  # follows its lead: no deadlines of its own
                await workflow.wait_condition(
                    lambda: self.f.state != MERGED or self._history_too_long()
                )
            elif self.f.state == BOUNCED:
                await workflow.wait_condition(
                    lambda: self.f.state != BOUNCED or self._history_too_long()
                )
            else:  # resolved: the citizen's callback or a supervisor decides
                await self._await_callback()
        await workflow.wait_condition(self._quiet)
        return self.f.close_reason

    def _interrupted(self, moves: int) -> bool:
        """Deadlines moved under the wait, or the history must continue as new."""
        return self.moves != moves or self._history_too_long()

    def _history_too_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self.f.limits.history_limit
        )

    def _carry_over(self) -> CaseStart:
        f = self.f
        return CaseStart(
            case_no=f.case_no,
            difficulty=f.difficulty,
            urgent=f.urgent,
            topic=f.topic,
            ladder=f.ladder,
            limits=f.limits,
            carried=f,
            carried_joint=self.joint,
        )

    async def _hold(self, deadline: str, done: Callable[[], bool]) -> None:
        """Wait for the phase to end; turn the light yellow, then red and escalate."""
        f = self.f
        if f.supervised:
            # Under 督办 at the top of the ladder there is no later deadline to miss.
            await workflow.wait_condition(lambda: done() or self._history_too_long())
            return
        clock = f.clock
        moves = self.moves
        assert clock is not None
        due_s = clock.accept_due if deadline == "accept" else clock.resolve_due
        yellow_s = clock.accept_yellow_at if deadline == "accept" else clock.resolve_yellow_at
        if f.light == GREEN and not await self._until(done, at_time(yellow_s), deadline):
            if self._interrupted(moves):
                return  # deadlines moved: start over with the new ones
            f.light = YELLOW
            await self._announce_sla("light_changed", deadline, due_s)
        if done() or self._interrupted(moves):
            return
        if not await self._until(done, at_time(due_s), deadline):
            if self._interrupted(moves):
                return
            f.light = RED
            await self._announce_sla("breached", deadline, due_s)
            await self._escalate(deadline)

    async def _until(self, done: Callable[[], bool], at: datetime, phase: str) -> bool:
        """True if `done` holds before `at`; False when the timer fires or deadlines move."""
        moves = self.moves
        while True:
            report = self._report_due(phase)
            wake = min(at, report) if report else at
            remaining = (wake - workflow.now()).total_seconds()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: done() or self._interrupted(moves), timeout=remaining
                    )
            if done() or self._interrupted(moves):
                return done()
            if report and report <= workflow.now() and report < at:
                await self._missed_report()
                continue
            return False

    def _report_due(self, phase: str) -> datetime | None:
        """Legacy cases owe a progress report every interval while being worked on."""
        clock = self.f.clock
        if phase != "resolve" or clock is None or clock.progress_every_seconds <= 0:
            return None
        if not self.patched(PATCH_PROGRESS):
            return None
        since = self.f.last_progress_at or clock.start
        return at_time(since) + timedelta(seconds=clock.progress_every_seconds)

    async def _missed_report(self) -> None:
        f = self.f
        due = self._report_due("resolve")
        f.light = RED
        f.last_progress_at = workflow.now().isoformat()
        self._record("progress_report_missed", note="未按期报告办理进展")
        await self._announce_sla("breached", "progress_report", due.isoformat() if due else "")

    async def _await_callback(self) -> None:
        """After 办结: wait for the callback; past its window, a supervisor is told once."""
        f = self.f
        due = self.f.callback_due
        if due:
            remaining = (at_time(due) - workflow.now()).total_seconds()
            try:
                await workflow.wait_condition(
                    lambda: f.state != RESOLVED or self._history_too_long(),
                    timeout=max(remaining, 0.001),
                )
                return
            except TimeoutError:
                self.f.callback_due = ""
                self._record("callback_overdue", note="回访超期，转督办")
                await self._announce_sla("supervised", "callback", due)
        await workflow.wait_condition(lambda: f.state != RESOLVED or self._history_too_long())
