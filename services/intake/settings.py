"""Intake's own settings (MINHU_INTAKE_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    """Port, database and request limits of the intake service."""

    model_config = SettingsConfigDict(env_prefix="MINHU_INTAKE_", extra="ignore")

    port: int = 8001
    database: str = "minhu_intake"
    max_body_bytes: int = 64 * 1024
