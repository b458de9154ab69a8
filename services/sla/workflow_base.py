"""Shared state and plumbing of the case workflow: the case file, history, deadlines,
escalation and publishing. Deterministic; side effects go through activities."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.common.labels import DEADLINES, TIERS
    from services.sla.contracts import (
        CaseStart,
        CaseStatus,
        DeadlineRequest,
        HandlerCommand,
        Publication,
    )
    from services.sla.domain.casefile import (
        AWAITING_ACCEPT,
        CLOSED,
        GREEN,
        CaseFile,
        Clock,
        Refused,
        Rung,
        Transition,
    )
    from services.sla.domain.moves import live_takeover
    from services.sla.domain.parts import JointFile

ACTIVITY_TIMEOUT = timedelta(seconds=30)
PATCH_PROGRESS = "legacy-progress-reports"
PATCH_CALLBACK_WINDOW = "callback-window"
# New deadlines are in place before the state changes, so the run loop never holds a new
# phase against the previous phase's (possibly past) deadlines.
PATCH_DEADLINES_FIRST = "deadlines-before-state"
# Every change of deadlines is published (kind deadlines_set), so readers need not query.
PATCH_ANNOUNCE_DEADLINES = "announce-deadlines"
# Deadline computations and event publications run as local activities.
PATCH_LOCAL_ACTIVITIES = "local-activities"
# The patches above, as they were recorded in new histories for a while: every marker at the
# start of each run, before any activity.
PATCH_CHECKS_FIRST = "patch-checks-first"
PATCHES = (
    PATCH_PROGRESS,
    PATCH_CALLBACK_WINDOW,
    PATCH_DEADLINES_FIRST,
    PATCH_ANNOUNCE_DEADLINES,
    PATCH_LOCAL_ACTIVITIES,
)
# Now one marker at the start of a run says every patch in PATCHES is in force.
PATCHES_IN_FORCE = "patches-in-force"
# The first deadlines count from the dispatch event's time (CaseStart.dispatched_at), so
# time a case spent queued before its workflow started is not taken from the unit.
PATCH_CLOCK_FROM_DISPATCH = "clock-from-dispatch"
# 改派 and 上报 after acceptance (services/sla/moves.py) are admitted from this marker on.
PATCH_CASE_MOVES = "case-moves"
# A step's publications go out together: they queue in order, and one local activity
# (publish_events) sends all that are queued at once, beside the step's other activities.
PATCH_PUBLISH_TOGETHER = "publish-together"


def refusing(check: Callable[[], None]) -> None:
    # Validators reject with the domain's sentence; the update never enters history.
    try:
        check()
    except Refused as exc:
        raise ApplicationError(exc.message, type="IllegalTransition", non_retryable=True) from exc


def at_time(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


class CaseBase:
    """What the run loop and the command handlers share."""

    def __init__(self) -> None:
        self.file: CaseFile | None = None
        self.start: CaseStart | None = None
        # Bumped when deadlines move under a waiting phase (approved extension, new unit),
        # so the wait starts over; nothing else interrupts a running timer.
        self.moves = 0
        # Every patch in PATCHES holds (decided at the start of the run; see decide_patches).
        self.patches_in_force = False
        self.clock_from_dispatch = False
        # 联动办 (services/sla/parts.py): the co-units' parts, when the case has any.
        self.joint: JointFile | None = None
        self.joint_parts = False
        self._part_tasks: list[asyncio.Task[None]] = []
        self.case_moves = False
        self.publish_together = False
        self._unsent: list[Publication] = []
        self._sender: asyncio.Task[None] | None = None

    @property
    def f(self) -> CaseFile:
        assert self.file is not None, "the case file is set at the start of run()"
        return self.file

    def decide_patches(self) -> None:
        """Decide the workflow's patches at the start of a run, before any activity.

        A local activity's result can reach the workflow in the next workflow task while
        the worker runs live, and in the same task when it replays; a patch first checked
        right after such a result sees its marker live but not on replay (a
        non-determinism error). New histories therefore carry one marker, first thing,
        saying every patch in PATCHES is in force; histories of a short-lived earlier
        scheme carry each marker at the start; older ones check each patch where it
        applies. A patch added later must be decided here too, never first checked later.
        """
        if workflow.patched(PATCHES_IN_FORCE):
            self.patches_in_force = True
        elif workflow.patched(PATCH_CHECKS_FIRST):
            for patch in PATCHES:
                workflow.patched(patch)
        # Patches added since, each with its own marker right after those above.
        self.clock_from_dispatch = workflow.patched(PATCH_CLOCK_FROM_DISPATCH)
        self.case_moves = workflow.patched(PATCH_CASE_MOVES)
        self.publish_together = workflow.patched(PATCH_PUBLISH_TOGETHER)

    def patched(self, patch: str) -> bool:
        """Whether this history follows `patch` (see decide_patches)."""
        return self.patches_in_force or workflow.patched(patch)

    # -- the run -------------------------------------------------------------------------
    async def _escalate(self, deadline: str) -> None:
        """Move the case one rung up with fresh deadlines; at the top, 督办 holds it."""
        f = self.f
        if f.at_top:
            f.supervised = True
            label = DEADLINES.get(deadline, deadline)
            self._record("supervised", note=f"{label}超时，已在最高层级督办")
            await self._announce_sla("supervised", deadline, "")
            return
        from_tier = f.unit.tier
        note = f"{DEADLINES.get(deadline, deadline)}超时，由{TIERS.get(from_tier, from_tier)}升级"
        if self.patched(PATCH_DEADLINES_FIRST):
            clock = await self._compute_clock()
            f.rung += 1
            f.state = AWAITING_ACCEPT
            f.clock, f.light = clock, GREEN
            f.escalations.append(self._record("escalated", note=note))
        else:
            f.rung += 1
            f.state = AWAITING_ACCEPT
            f.escalations.append(self._record("escalated", note=note))
            await self._new_deadlines()
        assert f.clock is not None
        await self._announce_sla("escalated", deadline, f.clock.accept_due, from_tier=from_tier)
        await self._deadlines_changed()

    async def _compute_clock(self, since: datetime | None = None) -> Clock:
        f = self.f
        start = since or workflow.now()
        request = DeadlineRequest(difficulty=f.difficulty, urgent=f.urgent, start=start.isoformat())
        return cast(Clock, await self._run("compute_deadlines", request, result_type=Clock))

    async def _run(self, name: str, arg: object, *, result_type: type | None = None) -> object:
        """Run a short activity: in the worker itself (local) for new histories, which saves a
        server round trip and a workflow task per call; as before for older ones."""
        if self.patched(PATCH_LOCAL_ACTIVITIES):
            return await workflow.execute_local_activity(
                name, arg, result_type=result_type, start_to_close_timeout=ACTIVITY_TIMEOUT
            )
        return await workflow.execute_activity(
            name, arg, result_type=result_type, start_to_close_timeout=ACTIVITY_TIMEOUT
        )

    async def _new_deadlines(self, since: datetime | None = None) -> None:
        self.f.clock = await self._compute_clock(since)
        self.f.light = GREEN

    def _dispatched_at(self) -> datetime | None:
        """When the clock of a new case starts: its dispatch, if this history follows that."""
        start = self.start
        if not self.clock_from_dispatch or start is None or not start.dispatched_at:
            return None
        # Never later than now: a dispatcher's clock a little ahead must not add time.
        return min(at_time(start.dispatched_at), workflow.now())

    async def _deadlines_changed(self) -> None:
        """Publish the current deadlines (new code only: older histories never did)."""
        if not self.patched(PATCH_ANNOUNCE_DEADLINES):
            return
        f = self.f
        await self._publish_deadlines("deadlines_set", f.light, f.unit, f.rung, f.clock, f.state)

    async def _publish_deadlines(
        self,
        kind: str,
        light: str,
        unit: Rung,
        rung: int,
        clock: Clock | None,
        state: str,
        **more: str,
    ) -> None:
        """Announce the deadlines a holder (the case, or a co-unit's part) now runs to."""
        assert clock is not None
        await self._publish(
            "sla",
            kind=kind,
            deadline="",
            light=light,
            tier=unit.tier,
            unit_id=unit.unit_id,
            due="",
            from_tier="",
            escalation_level=rung,
            accept_due=clock.accept_due,
            resolve_due=clock.resolve_due,
            state=state,
            **more,
        )

    # -- handler commands ----------------------------------------------------------------

    async def _close(self, reason: str, cmd: HandlerCommand, **more: str) -> None:
        f = self.f
        f.state = CLOSED
        f.close_reason = reason
        self._record("closed", actor=cmd.actor, note=cmd.note)
        await self._publish(
            "closed",
            reason=reason,
            note=cmd.note,
            closed_at=workflow.now().isoformat(),
            actor=cmd.actor,
            **more,
        )
        await self._close_followers(reason, cmd)

    async def _close_followers(self, reason: str, cmd: HandlerCommand) -> None:
        """Cases merged into this one close with it (services/sla/merging.py)."""

    # -- queries -------------------------------------------------------------------------

    @workflow.query(name="status")
    def status(self) -> CaseStatus:
        """State, tier, light, deadlines and history."""
        f = self.f
        c = f.clock
        return CaseStatus(
            case_no=f.case_no,
            state=f.state,
            tier=f.unit.tier,
            unit_id=f.unit.unit_id,
            unit_name=f.unit.unit_name,
            light=f.light,
            accept_due=c.accept_due if c else None,
            resolve_due=c.resolve_due if c else None,
            escalations=list(f.escalations),
            history=list(f.history),
            pending_extension=f.pending_extension,
            reopens=f.reopens,
            bounces=f.bounces,
            arbitrated=f.arbitrated,
            supervised=f.supervised,
            callback_attempts=f.callback_attempts,
            bounce_until=c.bounce_until if c and f.state == AWAITING_ACCEPT else None,
            lead=f.lead,
            followers=list(f.followers),
            close_reason=f.close_reason,
            parts=list(self.joint.parts) if self.joint else [],
            parts_overridden_by=self.joint.overridden_by if self.joint else "",
            parts_override_reason=self.joint.override_reason if self.joint else "",
            pending_takeover=live_takeover(f),
            transfers=f.transfers,
            takeovers=f.takeovers,
        )

    # -- helpers -------------------------------------------------------------------------

    def _record(self, kind: str, *, actor: str = "", note: str = "") -> Transition:
        return self.f.record(kind, workflow.now().isoformat(), actor=actor, note=note)

    async def _announce_sla(
        self, kind: str, deadline: str, due: str, *, from_tier: str = ""
    ) -> None:
        f = self.f
        await self._publish(
            "sla",
            kind=kind,
            deadline=deadline,
            light=f.light,
            tier=f.unit.tier,
            unit_id=f.unit.unit_id,
            due=due,
            from_tier=from_tier,
            escalation_level=f.rung,
        )

    async def _announce_action(
        self, action: str, cmd: HandlerCommand, extra: str = "", **more: bool
    ) -> None:
        f = self.f
        await self._publish(
            "action",
            action=action,
            actor=cmd.actor,
            unit_id=f.unit.unit_id,
            note=f"{extra} {cmd.note}".strip(),
            state=f.state,
            at=workflow.now().isoformat(),
            **more,
        )

    async def _publish(self, topic: str, **fields: str | int | bool) -> None:
        # Sequence-numbered ids: a retried activity republishes the same event id, and the
        # sequence carries over when the workflow continues as new.
        f = self.f
        f.seq += 1
        pub = Publication(
            event_id=f"{workflow.info().workflow_id}/{f.seq}",
            case_no=f.case_no,
            topic=topic,
            fields=dict(fields),
        )
        if not self.publish_together:
            await self._run("publish_event", pub)
            return
        self._unsent.append(pub)
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_unsent())

    async def _send_unsent(self) -> None:
        """Send what is queued, in order, one batch at a time, until nothing is left."""
        while self._unsent:
            batch, self._unsent = self._unsent, []
            await self._run("publish_events", batch)
        self._sender = None

    def _quiet(self) -> bool:
        """No handler is running and every publication is sent: the run may end or go on
        as new."""
        return workflow.all_handlers_finished() and self._sender is None
