"""Dispatch's own settings (MINHU_DISPATCH_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class DispatchSettings(BaseSettings):
    """Port, database, consumer group and policy files of the dispatch service."""

    model_config = SettingsConfigDict(env_prefix="MINHU_DISPATCH_", extra="ignore")

    port: int = 8002
    database: str = "minhu_dispatch"
    group: str = "dispatch"
    directory_file: Path | None = None
    lexicon_file: Path | None = None
    routing_file: Path | None = None
    handling_file: Path | None = None  # bounce, arbitration and hotspot rules
    surge_mode: bool | None = None  # overrides the policy file's surge switch when set
    # Model versions trained from the centre's history, and the promotion log. Unset: the
    # service uses the model it trains from the shipped corpus, and nothing can be promoted.
    model_dir: Path | None = None
