"""Typed settings shared by every service, read from MINHU_* environment variables."""

from __future__ import annotations

import hashlib

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("intake", "dispatch", "sla", "notify", "desk")


def local_service_token(service: str) -> str:
    """The well-known token of a service on a local profile (never valid in production)."""
    return f"minhu-local-{service}-service-token"


def token_hash(token: str) -> str:
    """What a callee keeps of a caller's token (MINHU_SERVICE_KEYS values)."""
    return hashlib.sha256(token.encode()).hexdigest()


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
    # local | test | production (MINHU_ENV). Production refuses every local default secret.
    env: str = Field(
        default="local", validation_alias=AliasChoices("MINHU_ENV", "MINHU_ENVIRONMENT")
    )
    # This service's own bearer token, shown to the services it calls. Unset: the local
    # profile's well-known token of the service (refused in production).
    service_token: str | None = Field(default=None, repr=False)
    # Who may call this service: caller name -> SHA-256 (hex) of that caller's token.
    # Unset: the local tokens of every service. Hashes, so knowing them lets nobody call.
    service_keys: dict[str, str] = Field(default_factory=dict, repr=False)
    # Fernet keys (urlsafe base64, 32 bytes) sealing callers' personal data, newest first:
    # the first seals, every key opens (rotation: prepend a new key, re-seal, drop the old).
    pii_keys: list[str] = Field(default_factory=list, repr=False)
    # HMAC key of the blind index that finds a caller's cases by phone without storing it.
    pii_index_key: str | None = Field(default=None, repr=False)
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
    def _refuse_weak_token(cls, value: str | None) -> str | None:
        if value is not None and (
            len(value) < 16 or value.lower() in {"changeme-changeme", "secret-secret-secret"}
        ):
            raise ValueError("MINHU_SERVICE_TOKEN must be a real secret of 16+ characters")
        return value

    @property
    def production(self) -> bool:
        return self.env == "production"

    def own_token(self, service: str) -> str:
        """The token this service shows others: its setting, else the local well-known one."""
        return self.service_token or local_service_token(service)

    def service_headers(self, service: str) -> dict[str, str]:
        """Headers that authenticate this service (by name) to another service's /v1 API."""
        return {"Authorization": f"Bearer {self.own_token(service)}"}

    def caller_keys(self) -> dict[str, str]:
        """Caller name -> token hash this service admits (local defaults when unset)."""
        if self.service_keys:
            return dict(self.service_keys)
        return {name: token_hash(local_service_token(name)) for name in SERVICES}

    def database_url(self, database: str) -> str:
        """SQLAlchemy async URL of one service's database on the shared cluster."""
        return (
            f"postgresql+asyncpg://{self.pg_user}:{self.pg_password}"
            f"@{self.pg_host}:{self.pg_port}/{database}"
        )
