"""Notify's own settings (MINHU_NOTIFY_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    """Port, database, consumer group and template file of the notify service."""

    model_config = SettingsConfigDict(env_prefix="MINHU_NOTIFY_", extra="ignore")

    port: int = 8004
    database: str = "minhu_notify"
    group: str = "notify"
    templates_file: Path | None = None
