"""Intake's own settings (MINHU_INTAKE_*); shared addresses come from CommonSettings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    """Port, database, request limits, rate limits, API clients and Open311 of intake."""

    model_config = SettingsConfigDict(env_prefix="MINHU_INTAKE_", extra="ignore")

    port: int = 8001
    # The case events intake follows are applied in this process unless false; the stack
    # applies them in `python -m services.intake.follower` (serving probes and metrics on
    # follower_port), niced like the other consumers, so that a backlog of events never
    # delays an acknowledgement.
    follow: bool = True
    follower_port: int = 8007
    database: str = "minhu_intake"
    # Larger bodies get 413: a case is text plus attachment references, never a file.
    max_body_bytes: int = 64 * 1024
    # Local and test profiles seed the API client `minhu-demo` (key minhu-demo, every
    # scope) at start; production refuses to start while this is on. Other clients:
    # python -m services.intake.clients add NAME --scope open311:write ...
    demo_client: bool = True
    # Writes handled at once (below the database pool of 30, so none waits for a
    # connection); a write that finds no place within admission_wait seconds gets 503 with
    # Retry-After, before anything is stored.
    writes_in_flight: int = Field(default=24, ge=1, le=200)
    admission_wait: float = Field(default=0.5, ge=0, le=10)
    admission_retry_after: int = Field(default=2, ge=1, le=120)
    # Per API client (unless the client has its own rate): a burst, then a steady rate
    # (requests per minute); 429 beyond.
    api_key_burst: int = 60
    api_key_per_minute: float = 120.0
    # Per signed-in person on POST /v1/cases: nobody takes more than a call every two seconds.
    operator_burst: int = 20
    operator_per_minute: float = 30.0
    # Per client address on the public Open311 reads.
    public_burst: int = 300
    public_per_minute: float = 600.0
    # Fill an empty knowledge base with the shipped standard answers at start.
    seed_knowledge: bool = True
    # Per client address on the citizens' look-up (POST /v1/lookup): four digits are few,
    # so guessing them must be slow.
    lookup_burst: int = 10
    lookup_per_minute: float = 10.0
    # How long a desk's "signed in" answer is trusted (seconds); a logout takes effect
    # within this. Failures are never remembered longer.
    session_cache_seconds: float = Field(default=5.0, ge=0, le=30)
    # How long a found API key is trusted before it is looked up again (disable takes
    # effect within this).
    client_cache_seconds: float = Field(default=5.0, ge=0, le=30)
    # Open311 jurisdiction id this endpoint serves.
    jurisdiction_id: str = "minghu.gov.cn"
    # Callers' sealed name and number (and their blind index) are dropped from cases closed
    # longer than this; the cases stay. Checked every pseudonymise_every_seconds.
    pii_retention_days: int = Field(default=180, ge=1)
    pseudonymise_every_seconds: float = Field(default=3600.0, gt=0)
    # Public answers round coordinates to this many decimals (3 ≈ 100 m); None: as given.
    open311_coordinate_decimals: int | None = Field(default=3, ge=0, le=8)
    # GET requests pages: page_size defaults to this and may not exceed the maximum.
    open311_page_size: int = Field(default=50, ge=1)
    open311_max_page_size: int = Field(default=100, ge=1, le=1000)

    def production_problems(self) -> list[str]:
        """What must change before intake may run with MINHU_ENV=production."""
        problems = []
        if self.demo_client:
            problems.append(
                "MINHU_INTAKE_DEMO_CLIENT is on (the demo API key minhu-demo would be seeded);"
                " set it to false"
            )
        return problems
