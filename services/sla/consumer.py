"""Applies case.dispatched: start the case's workflow (a second start is a no-op)."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message
from prometheus_client import Counter
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from services.common.events import Envelope
from services.common.kafka import PoisonEvent
from services.common.logging import get_logger
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.sla.contracts import CaseStart, Rung, workflow_id
from services.sla.workflow import CaseWorkflow

log = get_logger(__name__)
WORKFLOWS_STARTED = Counter(
    "minhu_sla_workflows_started_total", "Case workflows started, by difficulty.", ["difficulty"]
)


@dataclass
class WorkflowStarter:
    """Starts one workflow per dispatched case."""

    client: Client
    task_queue: str
    reopen_limit: int

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Start the case's workflow; False if it already exists or waits for a dispatcher."""
        if not isinstance(payload, case_pb2.CaseDispatched):
            raise PoisonEvent(f"sla does not handle {env.type}")
        if not payload.ladder:
            raise PoisonEvent("case.dispatched without an escalation ladder")
        if payload.manual:
            # A human dispatcher confirms the unit first; its dispatch starts the clock.
            log.info("case waits for manual dispatch")
            return True
        start = CaseStart(
            case_no=payload.case_no,
            difficulty=payload.difficulty,
            urgent=payload.urgent,
            topic=payload.topic,
            ladder=[Rung(s.tier, s.unit_id, s.unit_name) for s in payload.ladder],
            dispatch_event_id=env.id,
            reopen_limit=self.reopen_limit,
        )
        try:
            await self.client.start_workflow(
                CaseWorkflow.run,
                start,
                id=workflow_id(payload.case_no),
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            return False
        WORKFLOWS_STARTED.labels(payload.difficulty).inc()
        log.info("case workflow started", workflow_id=workflow_id(payload.case_no))
        return True
