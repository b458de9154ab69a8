"""合并 and 不予受理 on the case workflow: updates, the lead's signal, the followers' close.

Merging takes two updates, lead first (`take_follower`: it will close its followers) and
then the follower (`follow`: its deadlines stop and it waits for the lead). sla's API sends
both and undoes the first (`drop_follower`) if the second is refused. When the lead closes,
by whatever path, it signals `lead_closed` to every follower, which closes with reason
`merged` and the lead's resolution.

No patch guards these paths: they run only after one of these new updates or the new
signal, which no history recorded before them contains; the histories of the paths
themselves are recorded under tests/workflow_histories/ and replayed.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from services.sla.workflow_base import CaseBase, refusing

with workflow.unsafe.imports_passed_through():
    from services.common.rejection import NotAReason, rejection_note
    from services.sla.contracts import (
        CaseStatus,
        FollowCommand,
        HandlerCommand,
        LeadClosed,
        RejectCommand,
        TakeFollower,
        workflow_id,
    )
    from services.sla.domain.casefile import CLOSED, MERGED
    from services.sla.domain.merging import (
        MERGE_REASON,
        REJECT_REASON,
        MergeRefused,
        Standing,
        check_reject,
        follower_refusal,
        follower_result,
        lead_refusal,
    )


def _refuse_merge(refusal: MergeRefused | None, actor: str) -> None:
    if refusal is not None:
        raise ApplicationError(
            refusal.message, refusal.code, type="MergeRefused", non_retryable=True
        )
    if not actor.strip():
        raise ApplicationError(
            "请填写操作人", "actor_missing", type="MergeRefused", non_retryable=True
        )


class MergeCommands(CaseBase):
    """不予受理 (reject), and 合并 (take_follower, follow, drop_follower, lead_closed)."""

    @workflow.update(name="reject")
    async def reject(self, cmd: RejectCommand) -> CaseStatus:
        """不予受理: not the platform's matter; the case closes and the caller is told why."""
        note = rejection_note(cmd.reason, cmd.text)
        await self._close(REJECT_REASON, HandlerCommand(cmd.actor, note), reject_reason=cmd.reason)
        return self.status()

    @reject.validator
    def _reject_ok(self, cmd: RejectCommand) -> None:
        refusing(lambda: check_reject(self.f, cmd.actor))
        try:
            rejection_note(cmd.reason, cmd.text)
        except NotAReason as exc:
            raise ApplicationError(
                exc.message, exc.code, type="RejectRefused", non_retryable=True
            ) from exc

    @workflow.update(name="take_follower")
    async def take_follower(self, cmd: TakeFollower) -> CaseStatus:
        """合并, on the lead: `follower` will close when this case closes."""
        f = self.f
        f.followers.append(cmd.follower)
        self._record("merge_taken", actor=cmd.actor, note=f"工单 {cmd.follower} 并入本工单")
        await self._publish_merge(
            "merge_taken", cmd.actor, cmd.follower, f"工单 {cmd.follower} 并入本工单"
        )
        return self.status()

    @take_follower.validator
    def _take_ok(self, cmd: TakeFollower) -> None:
        _refuse_merge(lead_refusal(Standing.of(self.f), cmd.follower), cmd.actor)

    @workflow.update(name="drop_follower")
    async def drop_follower(self, cmd: TakeFollower) -> CaseStatus:
        """Undo take_follower when the follower refused to follow."""
        if cmd.follower in self.f.followers:
            self.f.followers.remove(cmd.follower)
            self._record("merge_undone", actor=cmd.actor, note=f"工单 {cmd.follower} 未能并入")
        return self.status()

    @workflow.update(name="follow")
    async def follow(self, cmd: FollowCommand) -> CaseStatus:
        """合并, on the follower: its own deadlines stop; it follows the lead until it closes."""
        f = self.f
        f.lead = cmd.lead
        f.state = MERGED
        f.pending_extension = None
        note = f"并入主办工单 {cmd.lead}" + (f"：{cmd.note}" if cmd.note.strip() else "")
        self._record("merged", actor=cmd.actor, note=note)
        await self._publish_merge("merged", cmd.actor, cmd.lead, note)
        return self.status()

    @follow.validator
    def _follow_ok(self, cmd: FollowCommand) -> None:
        _refuse_merge(follower_refusal(Standing.of(self.f), cmd.lead), cmd.actor)

    @workflow.signal(name="lead_closed")
    async def lead_closed(self, closed: LeadClosed) -> None:
        """The lead closed: this follower closes with it, with the lead's resolution."""
        f = self.f
        if f.state == CLOSED or (f.lead and f.lead != closed.lead):
            return
        if not f.lead:
            # The lead took this case but its own follow did not arrive (yet): follow now.
            f.lead = closed.lead
        result = follower_result(closed.lead, closed.resolution, closed.note)
        f.resolution = closed.resolution
        await self._close(
            MERGE_REASON,
            HandlerCommand(closed.actor, result),
            lead_case_no=closed.lead,
            resolution=closed.resolution or closed.note,
        )

    async def _close_followers(self, reason: str, cmd: HandlerCommand) -> None:
        f = self.f
        for follower in f.followers:
            handle = workflow.get_external_workflow_handle(workflow_id(follower))
            try:
                await handle.signal(
                    "lead_closed",
                    LeadClosed(
                        lead=f.case_no,
                        reason=reason,
                        note=cmd.note,
                        resolution=f.resolution,
                        actor=cmd.actor,
                    ),
                )
            except Exception as exc:  # a follower already gone: its failure stays on record
                self._record("merge_close_failed", note=f"工单 {follower} 未能随本工单办结：{exc}")

    async def _publish_merge(self, action: str, actor: str, related: str, note: str) -> None:
        f = self.f
        await self._publish(
            "action",
            action=action,
            actor=actor,
            unit_id=f.unit.unit_id,
            note=note,
            state=f.state,
            at=workflow.now().isoformat(),
            related_case_no=related,
        )
