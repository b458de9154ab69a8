"""sla's Temporal worker: the case workflows and their activities, in the sla service's own
process or, for throughput, in processes of their own (MINHU_SLA_WORKERS of them).

    python -m services.sla.worker INDEX     # one worker process, INDEX from 1
"""

from __future__ import annotations

import asyncio
import signal
import sys

from aiokafka import AIOKafkaProducer
from prometheus_client import start_http_server
from temporalio.client import Client
from temporalio.worker import (
    PollerBehaviorSimpleMaximum,
    UnsandboxedWorkflowRunner,
    Worker,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from services.common.dependencies import Dependency
from services.common.kafka import idempotent_producer
from services.common.logging import configure_logging, get_logger
from services.common.production import refuse_unsafe_start
from services.common.runtime import cancel_all, supervise
from services.common.settings import CommonSettings
from services.common.tracing import configure_tracing
from services.sla.activities import SlaActivities
from services.sla.domain import SlaPolicy, WorkingCalendar, load_policy
from services.sla.settings import SlaSettings
from services.sla.workflow import CaseWorkflow

log = get_logger(__name__)

# Imported once by the worker, not again inside every workflow's sandbox. Re-importing the
# workflow's own modules for each new workflow was half of the worker's CPU. They hold no
# state at module level; their determinism is held by the replay of recorded histories
# (tests/workflow_histories/), while third-party imports stay checked by the sandbox.
PASSED_THROUGH = (
    "google.protobuf",
    "opentelemetry",
    "yaml",
    "chinese_calendar",
    "services",
)


def runner(own: SlaSettings) -> WorkflowRunner:
    """The sandbox (MINHU_SLA_WORKER_SANDBOX, the default) or none."""
    if not own.worker_sandbox:
        return UnsandboxedWorkflowRunner()
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    )


def make_worker(
    client: Client,
    own: SlaSettings,
    policy: SlaPolicy,
    calendar: WorkingCalendar,
    producer: AIOKafkaProducer,
) -> Worker:
    """A worker on sla's task queue, tuned by the MINHU_SLA_WORKER_* settings."""
    activities = SlaActivities(policy, calendar, producer)
    return Worker(
        client,
        task_queue=own.task_queue,
        workflows=[CaseWorkflow],
        activities=activities.all(),
        workflow_runner=runner(own),
        max_cached_workflows=own.worker_cached_workflows,
        max_concurrent_workflow_tasks=own.worker_workflow_tasks,
        max_concurrent_local_activities=own.worker_local_activities,
        max_concurrent_activities=own.worker_local_activities,
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(own.worker_workflow_polls),
        nonsticky_to_sticky_poll_ratio=own.worker_nonsticky_ratio,
    )


async def serve(common: CommonSettings, own: SlaSettings, index: int) -> None:
    """Run worker number `index` (from 1) until SIGTERM or SIGINT; while Kafka or Temporal is
    down it keeps trying to connect (and to run again if the worker stops), it never exits."""
    from services.sla.app import connect_temporal  # the sla app's connection, shared

    policy = load_policy()
    calendar = WorkingCalendar.from_policy(policy)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    producer = idempotent_producer(common.kafka_bootstrap, client_id=f"minhu-sla-worker-{index}")
    sdk_port = own.temporal_metrics_port + index - 1 if own.temporal_metrics_port else 0

    async def work() -> None:
        await Dependency("kafka").connect(producer.start)
        client = await Dependency("temporal").connect(
            lambda: connect_temporal(common, metrics_port=sdk_port)
        )
        if own.worker_metrics_port:
            # The activities' own metrics (events published, calendar fallback); the stack
            # treats this port answering as the worker being up.
            start_http_server(own.worker_metrics_port + index - 1, addr=common.host)
        log.info("sla worker running", index=index, task_queue=own.task_queue)
        # A worker whose polls fail for good (Temporal gone too long) is made anew.
        await supervise(
            "temporal-worker", lambda: make_worker(client, own, policy, calendar, producer).run()
        )

    running = asyncio.create_task(work())
    await asyncio.wait([running, asyncio.create_task(stop.wait())], return_when="FIRST_COMPLETED")
    await cancel_all([running])
    await producer.stop()
    log.info("sla worker stopped", index=index)


def main() -> None:
    """Entry point: `python -m services.sla.worker INDEX`."""
    index = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    common, own = CommonSettings(), SlaSettings()
    refuse_unsafe_start("sla", common, own)
    configure_logging("sla", level=common.log_level, json=common.log_json)
    configure_tracing("sla")
    asyncio.run(serve(common, own, index))


if __name__ == "__main__":
    main()
