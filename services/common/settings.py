"""Typed settings shared by every service, read from MINHU_* environment variables."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Addresses of the shared servers; every value can be overridden by environment."""

    model_config = SettingsConfigDict(env_prefix="MINHU_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "minhu"
    pg_password: str = Field(default="minhu-local", repr=False)
    log_level: str = "INFO"
    log_json: bool = True
    host: str = "127.0.0.1"
    # Addresses of the services, so each one can link to the others.
    intake_url: str = "http://127.0.0.1:8001"
    dispatch_url: str = "http://127.0.0.1:8002"
    sla_url: str = "http://127.0.0.1:8003"
    notify_url: str = "http://127.0.0.1:8004"
    desk_url: str = "http://127.0.0.1:8006"
    environment: str = "local"
    # Bearer token one service shows another on its /v1 API (people sign in to the UIs).
    service_token: str = Field(default="minhu-local-service-token", repr=False)
    # Records of different cases each consumer applies at once (one case's stay in order);
    # kept below a service's database pool (10 + 20 overflow) so no handler waits for one.
    consumer_concurrency: int = Field(default=16, ge=1, le=64)

    @field_validator("pg_password")
    @classmethod
    def _refuse_placeholder(cls, value: str, info: object) -> str:
        if value.lower() in {"changeme", "changethis", "password", ""}:
            raise ValueError("MINHU_PG_PASSWORD is a placeholder; set a real secret")
        return value

    @field_validator("service_token")
    @classmethod
    def _refuse_weak_token(cls, value: str) -> str:
        if len(value) < 16 or value.lower() in {"changeme-changeme", "secret-secret-secret"}:
            raise ValueError("MINHU_SERVICE_TOKEN must be a real secret of 16+ characters")
        return value

    def service_headers(self) -> dict[str, str]:
        """Headers that authenticate this service to another service's /v1 API."""
        return {"Authorization": f"Bearer {self.service_token}"}

    def database_url(self, database: str) -> str:
        """SQLAlchemy async URL of one service's database on the shared cluster."""
        return (
            f"postgresql+asyncpg://{self.pg_user}:{self.pg_password}"
            f"@{self.pg_host}:{self.pg_port}/{database}"
        )
