"""A time-skipping Temporal test server with a real sla worker publishing to real Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.common.kafka import start_producer
from services.sla.activities import SlaActivities
from services.sla.domain import WorkingCalendar, load_policy
from services.sla.workflow import CaseWorkflow
from tests.support import ROOT, StackAddresses

TEST_SERVER = Path(ROOT) / "deploy" / "temporal" / "test-server.sh"
DEFAULT_POLICY = Path(ROOT) / "services" / "sla" / "policy" / "default.yaml"


async def _start_test_server(attempts: int = 3) -> WorkflowEnvironment:
    # The JVM can take longer than the SDK's 5 s start-up wait on a busy 2-core machine.
    for attempt in range(1, attempts + 1):
        try:
            return await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=str(TEST_SERVER),
                test_server_startup_timeout=timedelta(seconds=60),
            )
        except RuntimeError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's Java test server, which skips timers when the workflow waits.

    One per test: skipped time is server-wide, so a shared server would start later tests
    years in the future.
    """
    env = await _start_test_server()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def producer(stack: StackAddresses) -> AsyncIterator[AIOKafkaProducer]:
    """The idempotent producer the publish activity uses."""
    p = await start_producer(stack.kafka, client_id="minhu-sla-tests")
    try:
        yield p
    finally:
        await p.stop()


@dataclass
class SlaHarness:
    """A running worker on a fresh task queue."""

    env: WorkflowEnvironment
    task_queue: str


@pytest.fixture
async def sla(
    time_skipping: WorkflowEnvironment, producer: AIOKafkaProducer
) -> AsyncIterator[SlaHarness]:
    """A real sla worker (default policy, statutory calendar) on its own task queue."""
    policy = load_policy(DEFAULT_POLICY)
    activities = SlaActivities(policy, WorkingCalendar.from_policy(policy), producer)
    queue = f"sla-test-{uuid.uuid4()}"
    async with Worker(
        time_skipping.client,
        task_queue=queue,
        workflows=[CaseWorkflow],
        activities=activities.all(),
    ):
        yield SlaHarness(time_skipping, queue)
