"""The desk's own settings (MINHU_DESK_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.desk.identity.service import Policy, is_local_env
from services.desk.identity.throttle import Throttle


class DeskSettings(BaseSettings):
    """Port, database, consumer group, accounts, sessions and login throttling."""

    model_config = SettingsConfigDict(env_prefix="MINHU_DESK_", extra="ignore")

    port: int = 8006
    database: str = "minhu_desk"
    group: str = "desk"
    directory_file: Path | None = None
    # Accounts live in the desk's database. On local, dev and test-* environments the demo
    # accounts (services/desk/ui/demo_users.yaml, or this file) are added at start when
    # absent; `seed_demo_users` forces that on or off. Production seeds nothing.
    users_file: Path | None = None
    seed_demo_users: bool | None = None
    # A session ends this long after login, or after this long without a request.
    session_hours: float = Field(default=12.0, gt=0)
    session_idle_minutes: float = Field(default=120.0, gt=0)
    # Unset: Secure cookies everywhere but local, dev and test-* environments.
    cookie_secure: bool | None = None
    # This many failed logins within the window lock the name (or the client address, which
    # several colleagues behind one gateway share, hence its higher limit) for a while.
    login_max_failures: int = Field(default=5, ge=1)
    login_address_max_failures: int = Field(default=30, ge=1)
    login_window_minutes: float = Field(default=15.0, gt=0)
    login_lockout_minutes: float = Field(default=15.0, gt=0)
    # A city's single sign-on (OpenID Connect); the login path is mounted only when all
    # three are set. Claims map to existing active accounts by preferred_username.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = Field(default=None, repr=False)
    # Where the build put the browser libraries (ECharts) it vendors from npm.
    vendor_dir: Path | None = None
    # Callers of cases closed longer ago than this are pseudonymised (their name, number
    # and blind index replaced by a random marker); the background pass runs this often.
    pii_retention_days: int = Field(default=180, ge=1)
    pseudonymise_every_seconds: float = Field(default=3600.0, gt=0)
    # Files and photos: the policy (services/common/files/policy.yaml unless set) and the
    # S3-compatible store their bytes go to; without an endpoint they are kept as
    # PostgreSQL large objects in the desk's database.
    files_policy: Path | None = None
    s3_endpoint: str | None = None
    s3_bucket: str = "minhu-attachments"
    s3_access_key: str = "minhu"
    s3_secret_key: SecretStr = SecretStr("minhu-local-s3")
    s3_region: str = "us-east-1"

    def seeds_demo(self, env: str) -> bool:
        """Whether the demo accounts are added at start on this environment."""
        if env == "production":
            return bool(self.seed_demo_users or self.users_file)
        return self.seed_demo_users if self.seed_demo_users is not None else is_local_env(env)

    def policy(self, env: str) -> Policy:
        """Sessions and throttling as configured (Secure cookies outside local/test)."""
        window = timedelta(minutes=self.login_window_minutes)
        lockout = timedelta(minutes=self.login_lockout_minutes)
        secure = self.cookie_secure if self.cookie_secure is not None else not is_local_env(env)
        return Policy(
            lifetime=timedelta(hours=self.session_hours),
            idle=timedelta(minutes=self.session_idle_minutes),
            per_user=Throttle(self.login_max_failures, window, lockout),
            per_address=Throttle(self.login_address_max_failures, window, lockout),
            secure=secure,
        )

    @property
    def oidc(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    def production_problems(self) -> list[str]:
        """What would be unsafe in production (checked only when MINHU_ENV=production)."""
        problems = []
        if self.users_file is not None:
            problems.append(
                "MINHU_DESK_USERS_FILE is set (no password file in production: manage accounts"
                " with `python -m services.desk.identity`)"
            )
        if self.seed_demo_users:
            problems.append("MINHU_DESK_SEED_DEMO_USERS is on (demo accounts, known password)")
        if self.cookie_secure is False:
            problems.append("MINHU_DESK_COOKIE_SECURE is off (session cookies sent over HTTP)")
        if self.s3_endpoint and self.s3_secret_key.get_secret_value() == "minhu-local-s3":
            problems.append("MINHU_DESK_S3_SECRET_KEY is the local placeholder")
        return problems
