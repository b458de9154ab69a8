"""联动办 in the case workflow: each co-unit's part runs on the case's own timers.

One workflow per case still holds everything: every part is a coroutine of the case's run
that waits for its own deadlines (accept, then resolve) and climbs the co-unit's own ladder
when overdue, while the lead's phases run in the main loop as before. What a part command
may do is decided by the pure JointFile (services/sla/domain/parts.py). Only histories
started with co-units carry the patch marker, so histories of cases without parts replay
untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow

from services.sla.workflow_base import CaseBase, at_time, refusing

with workflow.unsafe.imports_passed_through():
    from services.common.labels import DEADLINES, TIERS
    from services.sla.contracts import (
        CaseStart,
        CaseStatus,
        Clock,
        DeadlineRequest,
        HandlerCommand,
        PartCommand,
    )
    from services.sla.domain.casefile import CLOSED, GREEN, RED, YELLOW, Refused
    from services.sla.domain.parts import (
        PART_ACCEPTED,
        PART_IN_PROGRESS,
        PART_REPORTED,
        PART_WAITING,
        JointFile,
        Part,
        joint_file,
    )

PATCH_JOINT_PARTS = "joint-parts"


class JointParts(CaseBase):
    """The parts of a joint case: their timers, escalation and the co-units' commands."""

    @property
    def jf(self) -> JointFile:
        """The case's parts; a case without co-units refuses every part command."""
        if self.joint is None:
            raise Refused("本工单没有协办单位，无协办任务")
        return self.joint

    def decide_joint(self, start: CaseStart) -> None:
        """Whether this run holds parts: decided at the start, before any activity."""
        if start.parts or start.carried_joint is not None:
            self.joint_parts = workflow.patched(PATCH_JOINT_PARTS)

    async def open_parts(self, start: CaseStart, since: datetime | None) -> None:
        """Give each co-unit its part, with deadlines counted from the dispatch."""
        if not self.joint_parts:
            return
        if start.carried_joint is not None:
            self.joint = start.carried_joint
            return
        self.joint = joint_file((p.unit_id, list(p.ladder)) for p in start.parts)
        for part in self.joint.parts:
            part.clock = await self._part_clock(since)
            self._record("part_dispatched", note=f"协办单位：{part.unit.unit_name}")
            await self._part_deadlines_changed(part)

    def hold_parts(self) -> None:
        """Run every part's deadlines beside the lead's (one coroutine each)."""
        if self.joint is None:
            return
        for part in self.joint.parts:
            if part.phase is not None:
                self._part_tasks.append(asyncio.create_task(self._hold_part(part)))

    # -- a part's deadlines --------------------------------------------------------------

    async def _hold_part(self, p: Part) -> None:
        """Yellow, then red and one rung up its own ladder, until the part is reported."""
        while (phase := p.phase) is not None and self.f.state != CLOSED:
            ticket = (phase, p.rung, p.state)

            def moved(ticket: tuple[str, int, str] = ticket) -> bool:
                return (p.phase, p.rung, p.state) != ticket or self.f.state == CLOSED

            if p.supervised or p.light == RED:
                await workflow.wait_condition(moved)
                continue
            c = p.clock
            assert c is not None
            due = c.accept_due if phase == "accept" else c.resolve_due
            yellow = c.accept_yellow_at if phase == "accept" else c.resolve_yellow_at
            if p.light == GREEN:
                if not await self._part_until(moved, at_time(yellow)):
                    p.light = YELLOW
                    await self._announce_part(p, "part_light_changed", phase, due)
                continue
            if not await self._part_until(moved, at_time(due)):
                p.light = RED
                await self._announce_part(p, "part_breached", phase, due)
                await self._escalate_part(p, phase)

    async def _part_until(self, moved: Callable[[], bool], at: datetime) -> bool:
        """True if the part moved on before `at`; False when the timer fires."""
        remaining = (at - workflow.now()).total_seconds()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(moved, timeout=remaining)
        return moved()

    async def _escalate_part(self, p: Part, phase: str) -> None:
        """The overdue part goes one rung up the co-unit's ladder; at the top, 督办 holds it."""
        label = DEADLINES.get(phase, phase)
        if p.at_top:
            p.supervised = True
            self._record("part_supervised", note=f"协办单位{p.unit.unit_name}{label}超时，已督办")
            await self._announce_part(p, "part_supervised", phase, "")
            return
        from_tier, from_name = p.unit.tier, p.unit.unit_name
        clock = await self._part_clock()
        p.rung += 1
        p.escalations += 1
        p.state, p.clock, p.light = PART_WAITING, clock, GREEN
        note = (
            f"协办单位{from_name}{label}超时，由{TIERS.get(from_tier, from_tier)}"
            f"升级至{p.unit.unit_name}"
        )
        self._record("part_escalated", note=note)
        await self._announce_part(p, "part_escalated", phase, clock.accept_due, from_tier)
        await self._part_deadlines_changed(p)

    async def _part_clock(self, since: datetime | None = None) -> Clock:
        f = self.f
        start = (since or workflow.now()).isoformat()
        req = DeadlineRequest(difficulty=f.difficulty, urgent=f.urgent, start=start, part=True)
        clock = await self._run("compute_deadlines", req, result_type=Clock)
        assert isinstance(clock, Clock)
        return clock

    # -- the co-units' commands ----------------------------------------------------------

    @workflow.update(name="part_accept")
    async def part_accept(self, cmd: PartCommand) -> CaseStatus:
        """A co-unit 签收 its part."""
        p = self.jf.part(cmd.part_id)
        p.state, p.light = PART_ACCEPTED, GREEN
        self._record("part_accepted", actor=cmd.actor, note=f"协办单位{p.unit.unit_name}签收")
        await self._announce_part_action("part_accepted", p, cmd)
        return self.status()

    @part_accept.validator
    def _part_accept_ok(self, cmd: PartCommand) -> None:
        refusing(lambda: self.jf.check_accept(cmd.part_id, cmd.actor))

    @workflow.update(name="part_progress")
    async def part_progress(self, cmd: PartCommand) -> CaseStatus:
        """A co-unit's progress note on its part."""
        p = self.jf.part(cmd.part_id)
        p.state = PART_IN_PROGRESS
        note = f"协办单位{p.unit.unit_name}反馈进展：{cmd.note}"
        self._record("part_progressed", actor=cmd.actor, note=note)
        await self._announce_part_action("part_progressed", p, cmd)
        return self.status()

    @part_progress.validator
    def _part_progress_ok(self, cmd: PartCommand) -> None:
        refusing(lambda: self.jf.check_progress(cmd.part_id, cmd.actor, cmd.note))

    @workflow.update(name="part_report")
    async def part_report(self, cmd: PartCommand) -> CaseStatus:
        """A co-unit reports the result of its part (反馈办理结果): its part is done."""
        p = self.jf.part(cmd.part_id)
        p.state, p.report, p.reported_by = PART_REPORTED, cmd.note, cmd.actor
        if not p.supervised:
            p.light = GREEN
        note = f"协办单位{p.unit.unit_name}反馈办理结果：{cmd.note}"
        self._record("part_reported", actor=cmd.actor, note=note)
        await self._announce_part_action("part_reported", p, cmd)
        return self.status()

    @part_report.validator
    def _part_report_ok(self, cmd: PartCommand) -> None:
        refusing(lambda: self.jf.check_report(cmd.part_id, cmd.actor, cmd.note))

    @workflow.update(name="override_parts")
    async def override_parts(self, cmd: HandlerCommand) -> CaseStatus:
        """The lead resolves without the parts still open (强制办结), recording why."""
        waived = self.jf.waive_open(cmd.actor, cmd.note)
        names = "、".join(p.unit.unit_name for p in waived)
        self._record("parts_overridden", actor=cmd.actor, note=f"未反馈：{names}；理由：{cmd.note}")
        await self._announce_action("parts_overridden", cmd, extra=f"未反馈：{names}；")
        return self.status()

    @override_parts.validator
    def _override_ok(self, cmd: HandlerCommand) -> None:
        refusing(lambda: self.jf.check_override(cmd.actor, cmd.note, self.f.state))

    # -- publishing ----------------------------------------------------------------------

    async def _announce_part(
        self, p: Part, kind: str, deadline: str, due: str, from_tier: str = ""
    ) -> None:
        await self._publish(
            "sla",
            kind=kind,
            deadline=deadline,
            light=p.light,
            tier=p.unit.tier,
            unit_id=p.unit.unit_id,
            due=due,
            from_tier=from_tier,
            escalation_level=p.rung,
            part_unit_id=p.part_id,
            state=p.state,
        )

    async def _part_deadlines_changed(self, p: Part) -> None:
        await self._publish_deadlines(
            "part_deadlines_set", p.light, p.unit, p.rung, p.clock, p.state, part_unit_id=p.part_id
        )

    async def _announce_part_action(self, action: str, p: Part, cmd: PartCommand) -> None:
        await self._publish(
            "action",
            action=action,
            actor=cmd.actor,
            unit_id=p.unit.unit_id,
            note=cmd.note,
            state=p.state,
            at=workflow.now().isoformat(),
            part_unit_id=p.part_id,
        )


__all__ = ["PART_REPORTED", "PATCH_JOINT_PARTS", "JointParts"]
