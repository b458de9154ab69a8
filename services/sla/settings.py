"""SLA's own settings (MINHU_SLA_*); shared addresses come from CommonSettings."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The demo and test policy (deadlines of seconds): it would escalate every real case at once.
DRILL_POLICY = Path(__file__).resolve().parents[2] / "deploy" / "sla" / "drill.yaml"


class SlaSettings(BaseSettings):
    """Port, consumer group and Temporal task queue of the sla service.

    The policy file is chosen by MINHU_SLA_POLICY (see services/sla/domain/policy.py).
    """

    model_config = SettingsConfigDict(env_prefix="MINHU_SLA_", extra="ignore")

    port: int = 8003
    group: str = "sla"
    task_queue: str = "minhu-sla"
    # Where the Temporal SDK serves its own Prometheus metrics (0 turns them off); worker
    # process N (see `workers`) uses this port + N - 1.
    temporal_metrics_port: int = 9464
    # Temporal worker processes of their own (python -m services.sla.worker N, started by the
    # stack); 0 runs the worker inside the sla service, beside its API and consumer.
    workers: int = Field(default=0, ge=0, le=8)
    # Worker process N serves its activities' metrics on this port + N - 1 (0: none).
    worker_metrics_port: int = 9474
    # Worker tuning: workflows kept in memory between tasks (a replay saved per cache hit;
    # 10,000 open drill cases escalating together want them all), concurrent workflow
    # tasks and local activities (deadlines, publishing).
    worker_cached_workflows: int = 12000
    worker_workflow_tasks: int = 100
    worker_local_activities: int = 200
    # Concurrent polls for workflow tasks, and the share of them asking for tasks of
    # workflows not cached on this worker (new ones first of all) rather than for its own
    # sticky queue; the SDK's 5 and 0.2 by default. With 20 and 0.5, 2,000 drill workflows
    # started together all had their first task done in 213 s instead of 372 s, but their
    # breaches, due a minute later, waited behind those tasks (lag p50 61 s against 4.6 s)
    # and a 16 cases/s load gained nothing: worth raising only for a burst of new cases.
    worker_workflow_polls: int = Field(default=5, ge=2)
    worker_nonsticky_ratio: float = Field(default=0.2, gt=0, le=1)
    # Run workflows in Temporal's sandbox, which guards determinism at run time by
    # re-creating their module state for each workflow and swapping it in for each task:
    # about 40 % of the worker's CPU per case. Off by default: the tests run every workflow
    # path in the full sandbox and replay the recorded histories (tests/workflow_histories/),
    # which is where a non-deterministic call is caught.
    worker_sandbox: bool = False
    # The jurisdiction directory placing units in townships and districts (the desk's).
    directory_file: Path | None = None

    def production_problems(self) -> list[str]:
        """What would be unsafe in production (MINHU_ENV=production), each naming its setting.

        sla keeps no secret of its own; its one local-only choice is the drill policy.
        """
        chosen = os.environ.get("MINHU_SLA_POLICY", "").strip()
        if chosen and Path(chosen).resolve() == DRILL_POLICY:
            return ["MINHU_SLA_POLICY is the drill policy (deadlines of seconds)"]
        return []
