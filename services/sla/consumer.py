"""Applies case.dispatched: start the case's workflow, or move it to the newly chosen unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from google.protobuf.message import Message
from prometheus_client import Counter
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from services.common import events
from services.common.events import Envelope
from services.common.jurisdiction import Directory
from services.common.kafka import PoisonEvent
from services.common.logging import get_logger
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.request_types import Path, path_of
from services.sla.contracts import CaseStart, Limits, PartStart, Rung, workflow_id
from services.sla.domain import SlaPolicy
from services.sla.domain.parts import part_ladder
from services.sla.workflow import CaseWorkflow

log = get_logger(__name__)
WORKFLOWS_STARTED = Counter(
    "minhu_sla_workflows_started_total", "Case workflows started, by difficulty.", ["difficulty"]
)
REDISPATCHES = Counter(
    "minhu_sla_redispatches_total", "Running case workflows moved to a newly chosen unit."
)


def limits_from(policy: SlaPolicy) -> Limits:
    """The policy's limits a new workflow keeps for its whole life."""
    return Limits(
        reopen_limit=policy.reopen_limit,
        extension_max_count=policy.extension.max_count,
        extension_max_total=policy.extension.max_total.amount,
        extension_unit=policy.extension.max_total.unit,
        callback_attempts=policy.callback.attempts,
        max_bounces=policy.bounce.max_bounces,
    )


def dispatched_at(env: Envelope, payload: case_pb2.CaseDispatched) -> datetime:
    """When dispatch announced the case: the payload's time, else the envelope's."""
    if payload.HasField("dispatched_at"):
        return events.to_datetime(payload.dispatched_at)
    return events.to_datetime(env.time)


def parts_of(payload: case_pb2.CaseDispatched, directory: Directory | None) -> list[PartStart]:
    """联动办: one part per co-unit of the dispatch, each with its own ladder (a co-unit the
    directory does not know is left out, and logged)."""
    if directory is None:
        return []
    parts: list[PartStart] = []
    for unit_id in dict.fromkeys(payload.co_unit_ids):
        if unit_id == payload.unit_id:
            continue
        try:
            parts.append(PartStart(unit_id=unit_id, ladder=part_ladder(directory, unit_id)))
        except (KeyError, StopIteration):
            log.warning("co-unit not in the directory, no part", unit_id=unit_id)
    return parts


@dataclass
class WorkflowStarter:
    """Starts one workflow per dispatched case; a re-dispatch is signalled to it."""

    client: Client
    task_queue: str
    limits: Limits
    # Places co-units (联动办); without it a case runs without parts.
    directory: Directory | None = None

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Start or move the case's workflow; False for an event already applied."""
        if not isinstance(payload, case_pb2.CaseDispatched):
            raise PoisonEvent(f"sla does not handle {env.type}")
        if not payload.ladder:
            raise PoisonEvent("case.dispatched without an escalation ladder")
        if payload.manual:
            # A human dispatcher confirms the unit first; that dispatch starts the clock.
            log.info("case waits for manual dispatch")
            return True
        if path_of(payload.request_type) is Path.FORWARD:
            # A praise is told to the unit and closed by dispatch: no deadlines run.
            log.info("praise forwarded, no workflow")
            return True
        start = CaseStart(
            case_no=payload.case_no,
            difficulty=payload.difficulty,
            urgent=payload.urgent,
            topic=payload.topic,
            ladder=[Rung(s.tier, s.unit_id, s.unit_name) for s in payload.ladder],
            dispatch_event_id=env.id,
            reopen_limit=self.limits.reopen_limit,
            limits=self.limits,
            arbitrated=payload.arbitrated,
            attempt=payload.attempt,
            dispatched_at=dispatched_at(env, payload).isoformat(),
            parts=parts_of(payload, self.directory),
        )
        wf_id = workflow_id(payload.case_no)
        try:
            await self.client.start_workflow(
                CaseWorkflow.run,
                start,
                id=wf_id,
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            if payload.attempt == 0:
                return False
            # The workflow ignores a dispatch event id it has already applied.
            try:
                await self.client.get_workflow_handle(wf_id).signal(
                    CaseWorkflow.redispatched, start
                )
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
                log.warning("re-dispatch of a case whose workflow has ended, ignored")
                return False
            REDISPATCHES.inc()
            log.info("case workflow moved to a new unit", unit_id=payload.unit_id)
            return True
        WORKFLOWS_STARTED.labels(payload.difficulty).inc()
        log.info("case workflow started", workflow_id=wf_id)
        return True
