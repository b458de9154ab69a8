"""The desk's own settings (MINHU_DESK_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeskSettings(BaseSettings):
    """Port, database, consumer group, users and sessions of the read side."""

    model_config = SettingsConfigDict(env_prefix="MINHU_DESK_", extra="ignore")

    port: int = 8006
    database: str = "minhu_desk"
    group: str = "desk"
    directory_file: Path | None = None
    # Accounts of the queue UI; unset, the demo accounts (services/desk/ui/demo_users.yaml).
    users_file: Path | None = None
    # Signs session cookies. Unset: a random secret per process (sessions end on restart).
    secret: str | None = Field(default=None, repr=False)
    session_hours: float = 12.0
    cookie_secure: bool = False
    # Where the build put the browser libraries (ECharts) it vendors from npm.
    vendor_dir: Path | None = None
    # Callers of cases closed longer ago than this are pseudonymised (their name, number
    # and blind index replaced by a random marker); the background pass runs this often.
    pii_retention_days: int = Field(default=180, ge=1)
    pseudonymise_every_seconds: float = Field(default=3600.0, gt=0)

    @field_validator("secret")
    @classmethod
    def _refuse_placeholder(cls, value: str | None) -> str | None:
        if value is not None and (len(value) < 16 or value.lower() in {"changeme", "secret"}):
            raise ValueError("MINHU_DESK_SECRET must be a real secret of 16+ characters")
        return value
