"""Intake's own settings (MINHU_INTAKE_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    """Port, database, request limits, rate limits and Open311 API keys of intake."""

    model_config = SettingsConfigDict(env_prefix="MINHU_INTAKE_", extra="ignore")

    port: int = 8001
    database: str = "minhu_intake"
    # Larger bodies get 413: a case is text plus attachment references, never a file.
    max_body_bytes: int = 64 * 1024
    # Open311 API keys accepted for POST requests (MINHU_INTAKE_API_KEYS='["k1","k2"]').
    # `minhu-demo` is the key of the local stack, documented in the README.
    api_keys: list[str] = Field(default_factory=lambda: ["minhu-demo"])
    # Per API key: a burst, then a steady rate (requests per minute); 429 beyond.
    api_key_burst: int = 60
    api_key_per_minute: float = 120.0
    # Per operator id on POST /v1/cases: nobody takes more than a call every two seconds.
    operator_burst: int = 20
    operator_per_minute: float = 30.0
    # Open311 jurisdiction id this endpoint serves.
    jurisdiction_id: str = "minghu.gov.cn"
    # Callers' sealed name and number (and their blind index) are dropped from cases closed
    # longer than this; the cases stay. Checked every pseudonymise_every_seconds.
    pii_retention_days: int = Field(default=180, ge=1)
    pseudonymise_every_seconds: float = Field(default=3600.0, gt=0)
