"""SLA's own settings (MINHU_SLA_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SlaSettings(BaseSettings):
    """Port, consumer group and Temporal task queue of the sla service.

    The policy file is chosen by MINHU_SLA_POLICY (see services/sla/domain/policy.py).
    """

    model_config = SettingsConfigDict(env_prefix="MINHU_SLA_", extra="ignore")

    port: int = 8003
    group: str = "sla"
    task_queue: str = "minhu-sla"
    # Where the Temporal SDK serves its own Prometheus metrics (0 turns them off).
    temporal_metrics_port: int = 9464
