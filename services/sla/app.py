"""SLA's app: the case.dispatched consumer, the API, probes, and the Temporal worker unless
worker processes of their own run it (MINHU_SLA_WORKERS)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from services.common.dependencies import Dependency
from services.common.errors import install_error_handlers
from services.common.events import Topic
from services.common.jurisdiction import Directory
from services.common.plumbing import Plumbing
from services.common.runtime import cancel_all
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes, service_access
from services.sla.actors import DeskPeople
from services.sla.api import router
from services.sla.api_merging import router as merging_router
from services.sla.api_parts import router as parts_router
from services.sla.calendar_api import router as calendar_router
from services.sla.consumer import WorkflowStarter, limits_from
from services.sla.domain import WorkingCalendar, load_policy
from services.sla.metrics import MetricsProjection, temporal_runtime
from services.sla.moves_api import router as moves_router
from services.sla.settings import SlaSettings
from services.sla.worker import make_worker


async def connect_temporal(common: CommonSettings, *, metrics_port: int = 0) -> Client:
    """Connect to Temporal once (raises if it does not answer); traces flow into workflows."""
    return await Client.connect(
        common.temporal_address,
        namespace=common.temporal_namespace,
        interceptors=[TracingInterceptor()],
        runtime=temporal_runtime(metrics_port),
    )


def create_app(common: CommonSettings, own: SlaSettings) -> FastAPI:
    """The sla service; the policy and calendar load once at start and fail loudly."""
    policy = load_policy()
    calendar = WorkingCalendar.from_policy(policy)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(common, client_id="minhu-sla", probe_topic=Topic.SLA)
        # With worker processes of their own, they serve the SDK's metrics.
        sdk_port = 0 if own.workers else own.temporal_metrics_port
        temporal = Dependency("temporal")
        app.state.temporal = None  # the routes answer 503 until Temporal is connected
        plumbing.run("sla-metrics", MetricsProjection(common.kafka_bootstrap).run)

        async def with_temporal() -> None:
            # Connected in the background: until then the probes and the routes say which
            # dependency is down, and dispatched cases wait in Kafka (their clocks count from
            # the dispatch event's time, not from when the workflow starts).
            client = await temporal.connect(lambda: connect_temporal(common, metrics_port=sdk_port))
            app.state.temporal = client
            if not own.workers:
                producer = plumbing.producer
                plumbing.run(
                    "temporal-worker",
                    lambda: make_worker(client, own, policy, calendar, producer).run(),
                )
            starter = WorkflowStarter(
                client, own.task_queue, limits_from(policy), directory=app.state.directory
            )
            plumbing.consume(own.group, (Topic.DISPATCHED,), starter)

        connecting = asyncio.create_task(with_temporal(), name="connect-temporal")

        async def temporal_health() -> None:
            temporal.require()
            await app.state.temporal.service_client.check_health()

        app.state.checks = {**plumbing.checks(), "temporal": temporal_health}
        try:
            yield
        finally:
            await cancel_all([connecting])
            await plumbing.stop()
            await app.state.people.aclose()

    app = FastAPI(title="Minhu sla", version="1", lifespan=lifespan)
    install_error_handlers(app)
    add_ops_routes(app, lambda: app.state.checks)
    app.state.policy, app.state.calendar = policy, calendar
    service_access(app, common)
    # Whom a command names: the desk's accounts, placed in the jurisdiction directory.
    app.state.directory = Directory.from_file(own.directory_file)
    app.state.people = DeskPeople(common.desk_url, common.service_headers("sla"))
    # Each route names its calling services (services/sla/api.py, calendar_api.py).
    app.include_router(router)
    app.include_router(parts_router)
    app.include_router(calendar_router)
    app.include_router(merging_router)
    app.include_router(moves_router)
    return app
