"""Moving a case after acceptance, as workflow updates: 改派 (transfer) by a supervisor and
上报/吹哨 (takeover) asked by the handling unit and decided by the tier above.

The pure rules are in services/sla/domain/moves.py; which deadlines restart is decided by
the moved_deadlines activity from services/sla/policy/moves.yaml. Only histories carrying
the PATCH_CASE_MOVES marker (decided at the start of the run) admit these updates.
"""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow

from services.sla.workflow_base import CaseBase, refusing

with workflow.unsafe.imports_passed_through():
    from services.sla.contracts import CaseStatus, MoveRequest
    from services.sla.domain.casefile import ACCEPTED, AWAITING_ACCEPT, GREEN, Clock, Takeover
    from services.sla.domain.moves import (
        TAKEOVER,
        TRANSFER,
        TakeoverDecision,
        TakeoverRequest,
        TransferCommand,
        check_takeover_decision,
        check_takeover_request,
        check_transfer,
        live_takeover,
        ruled_out,
        transfer_ladder,
    )


class MoveCommands(CaseBase):
    """The 改派 and 上报 updates of the case workflow."""

    def _admit_move(self, check: Callable[[], None]) -> None:
        def both() -> None:
            ruled_out(self.case_moves)
            check()

        refusing(both)

    async def _moved_clock(self, move: str) -> Clock:
        f = self.f
        assert f.clock is not None
        request = MoveRequest(
            clock=f.clock,
            difficulty=f.difficulty,
            urgent=f.urgent,
            start=workflow.now().isoformat(),
            move=move,
        )
        clock = await self._run("moved_deadlines", request, result_type=Clock)
        assert isinstance(clock, Clock)
        return clock

    async def _announce_move(self, action: str, actor: str, note: str, **more: str | bool) -> None:
        f = self.f
        await self._publish(
            "action",
            action=action,
            actor=actor,
            unit_id=f.unit.unit_id,
            note=note,
            state=f.state,
            at=workflow.now().isoformat(),
            **more,
        )

    @workflow.update(name="transfer")
    async def transfer(self, cmd: TransferCommand) -> CaseStatus:
        """改派: a supervisor moves the case to another unit, which must 签收 it afresh."""
        f = self.f
        clock = await self._moved_clock(TRANSFER)
        before = f.unit
        f.ladder, f.rung = transfer_ladder(f.ladder, cmd.to, cmd.township), 0
        f.state, f.supervised = AWAITING_ACCEPT, False
        f.clock, f.light = clock, GREEN
        f.pending_takeover = None
        f.transfers += 1
        self.moves += 1
        note = f"由{before.unit_name}改派至{f.unit.unit_name}：{cmd.reason}"
        self._record("transferred", actor=cmd.actor, note=note)
        await self._announce_move(
            "transferred", cmd.actor, note, from_unit_id=before.unit_id, to_unit_id=f.unit.unit_id
        )
        await self._deadlines_changed()
        return self.status()

    @transfer.validator
    def _transfer_ok(self, cmd: TransferCommand) -> None:
        self._admit_move(lambda: check_transfer(self.f, cmd))

    @workflow.update(name="request_takeover")
    async def request_takeover(self, req: TakeoverRequest) -> CaseStatus:
        """上报/吹哨: the handling unit asks its ladder's next tier to take the case over."""
        f = self.f
        above = f.ladder[f.rung + 1]
        f.pending_takeover = Takeover(
            actor=req.actor,
            reason=req.reason,
            requested_at=workflow.now().isoformat(),
            from_unit_id=f.unit.unit_id,
            to=above,
        )
        note = f"申请上报{above.unit_name}：{req.reason}"
        self._record("takeover_requested", actor=req.actor, note=note)
        await self._announce_move("takeover_requested", req.actor, note, to_unit_id=above.unit_id)
        return self.status()

    @request_takeover.validator
    def _takeover_request_ok(self, req: TakeoverRequest) -> None:
        self._admit_move(lambda: check_takeover_request(self.f, req))

    @workflow.update(name="decide_takeover")
    async def decide_takeover(self, dec: TakeoverDecision) -> CaseStatus:
        """The tier above takes the case over (it is theirs, accepted) or refuses (it stays
        with the unit that asked, its deadlines as they were)."""
        f = self.f
        pending = live_takeover(f)
        assert pending is not None
        f.pending_takeover = None
        lower = f.unit
        if dec.accept:
            clock = await self._moved_clock(TAKEOVER)
            f.rung += 1
            f.state, f.clock, f.light = ACCEPTED, clock, GREEN
            f.takeovers += 1
            self.moves += 1
            note = f"{f.unit.unit_name}接收{lower.unit_name}的上报 {dec.note}".strip()
        else:
            note = f"{pending.to.unit_name}不予接收上报：{dec.note}"
        self._record("takeover_decided", actor=dec.actor, note=note)
        await self._announce_move(
            "takeover_decided",
            dec.actor,
            note,
            from_unit_id=lower.unit_id,
            to_unit_id=pending.to.unit_id,
            accepted=dec.accept,
        )
        if dec.accept:
            await self._deadlines_changed()
        return self.status()

    @decide_takeover.validator
    def _takeover_decision_ok(self, dec: TakeoverDecision) -> None:
        self._admit_move(lambda: check_takeover_decision(self.f, dec))
