"""The queue UI's settings (MINHU_DISPATCH_UI_*)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class UiSettings(BaseSettings):
    """Session secret, users file and session length of the queue UI."""

    model_config = SettingsConfigDict(env_prefix="MINHU_DISPATCH_UI_", extra="ignore")

    # Unset: a random secret per process, so sessions end when dispatch restarts.
    secret: str | None = Field(default=None, repr=False)
    users_file: Path | None = None
    session_hours: float = 12.0
    cookie_secure: bool = False

    @field_validator("secret")
    @classmethod
    def _refuse_placeholder(cls, value: str | None) -> str | None:
        if value is not None and (len(value) < 16 or value.lower() in {"changeme", "secret"}):
            raise ValueError("MINHU_DISPATCH_UI_SECRET must be a real secret of 16+ characters")
        return value
