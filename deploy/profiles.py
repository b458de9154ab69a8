"""Profiles of the local stack: where each keeps its state and which ports it uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VERSIONS = dict(
    line.split("=", 1)
    for line in (DEPLOY / "versions.env").read_text().splitlines()
    if line and not line.startswith("#")
)
CACHE = Path(
    os.environ.get("MINHU_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "minhu"
)
PG_BIN = Path(f"/usr/lib/postgresql/{VERSIONS['POSTGRES_MAJOR']}/bin")
SERVICES = ("intake", "dispatch", "sla", "notify", "desk")
DATABASES = ("minhu_intake", "minhu_dispatch", "minhu_notify", "minhu_sla", "minhu_desk")
PG_USER = "minhu"
SMSGW_KEY = "minhu-smsgw-local"
# Alertmanager's bearer credential at notify's alert webhook in the local profiles only.
ALERTMANAGER_TOKEN = "minhu-alertmanager-local"
# The supervision centre's (督办中心) mailbox for alerts; the local SMTP sink keeps its mail.
SUPERVISION_EMAIL = "dbzx@minhu.local"


@dataclass(frozen=True)
class Ports:
    """Every address of one profile."""

    offset: int

    def __getattr__(self, name: str) -> int:
        base = {
            "postgres": 5432,
            "kafka": 9092,
            "kafka_controller": 9093,
            "temporal": 7233,
            "temporal_ui": 8233,
            "temporal_metrics": 8235,
            "temporal_http": 7243,
            # Temporal's own server (MINHU_TEMPORAL=server): its other services' gRPC ports and
            # every service's membership port (the dev server picks free ones itself).
            "temporal_history": 7234,
            "temporal_matching": 7235,
            "temporal_worker": 7239,
            "temporal_frontend_membership": 7250,
            "temporal_history_membership": 7251,
            "temporal_matching_membership": 7252,
            "temporal_worker_membership": 7253,
            "prometheus": 9090,
            "alertmanager": 9097,
            "mailsink": 8025,  # the local SMTP sink (deploy/mailsink.py)
            "sla_temporal_metrics": 9464,  # + N - 1 for sla worker process N
            "sla_worker_metrics": 9474,  # + N - 1 for sla worker process N
            "intake": 8001,
            "dispatch": 8002,
            "sla": 8003,
            "notify": 8004,
            "smsgw": 8005,
            "desk": 8006,
            "intake_follower": 8007,  # intake's follower process: probes and metrics
        }
        if name not in base:
            raise AttributeError(name)
        return base[name] + self.offset


@dataclass
class Profile:
    """Where one profile keeps its state and which ports it uses."""

    name: str
    ports: Ports
    var: Path = field(init=False)

    def __post_init__(self) -> None:
        self.var = ROOT / "var" / self.name

    def path(self, *parts: str) -> Path:
        p = self.var.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def service_env(self) -> dict[str, str]:
        """The MINHU_* environment every service of this profile gets."""
        p = self.ports
        env = {
            "MINHU_KAFKA_BOOTSTRAP": f"127.0.0.1:{p.kafka}",
            "MINHU_TEMPORAL_ADDRESS": f"127.0.0.1:{p.temporal}",
            "MINHU_PG_HOST": "127.0.0.1",
            "MINHU_PG_PORT": str(p.postgres),
            "MINHU_PG_USER": PG_USER,
            "MINHU_PG_PASSWORD": pg_password(),
            "MINHU_ENV": self.name,
        }
        for svc in SERVICES:
            env[f"MINHU_{svc.upper()}_PORT"] = str(getattr(p, svc))
            env[f"MINHU_{svc.upper()}_URL"] = f"http://127.0.0.1:{getattr(p, svc)}"
        env["MINHU_INTAKE_FOLLOWER_PORT"] = str(p.intake_follower)
        env["MINHU_SLA_TEMPORAL_METRICS_PORT"] = str(p.sla_temporal_metrics)
        env["MINHU_SLA_WORKER_METRICS_PORT"] = str(p.sla_worker_metrics)
        env["MINHU_SLA_WORKERS"] = str(sla_workers())
        # Model versions dispatch trains from the centre's history, and their promotions.
        env["MINHU_DISPATCH_MODEL_DIR"] = str(self.var / "models")
        # notify texts citizens through the local SMS gateway simulator.
        env["MINHU_NOTIFY_SMS_GATEWAY_URL"] = f"http://127.0.0.1:{p.smsgw}"
        env["MINHU_NOTIFY_SMS_GATEWAY_KEY"] = SMSGW_KEY
        # Alertmanager posts the alerts to notify with this bearer credential.
        env["MINHU_NOTIFY_ALERTMANAGER_TOKEN"] = ALERTMANAGER_TOKEN
        if self.name.startswith("test"):
            # No citizens' quiet hours on test stacks, so no test depends on the hour it runs
            # at (an empty span: start equals end); unit tests hold the quiet hours' rules.
            env["MINHU_NOTIFY_QUIET_START"] = env["MINHU_NOTIFY_QUIET_END"] = "00:00"
            # Test suites fire bursts at a shared machine: a write waits for a place rather
            # than being refused for overload (the bench sets the production default).
            env["MINHU_INTAKE_ADMISSION_WAIT"] = os.environ.get("MINHU_INTAKE_ADMISSION_WAIT", "10")
        return env


PROFILE_HELP = "dev (default ports), test (ports +10000) or test-1 … test-9 (+10100 … +10900)"


def port_offset(profile: str) -> int:
    """Ports of a profile: dev uses the defaults; test profiles stay clear of them and of
    each other, so several test stacks can run on one machine."""
    if profile == "dev":
        return 0
    if profile == "test":
        return 10000
    prefix, _, n = profile.partition("-")
    if prefix == "test" and n.isdigit() and 1 <= int(n) <= 9:
        return 10000 + 100 * int(n)
    raise ValueError(f"unknown profile {profile!r}: {PROFILE_HELP}")


def sla_workers() -> int:
    """sla's Temporal worker processes (MINHU_SLA_WORKERS; 0 runs the worker inside sla)."""
    return int(os.environ.get("MINHU_SLA_WORKERS", "1"))


TEMPORAL_KINDS = ("dev", "server")


def temporal_kind() -> str:
    """Which Temporal the stack runs (MINHU_TEMPORAL): `dev`, the CLI's dev server on a SQLite
    file (the default), or `server`, Temporal's own server on the project's PostgreSQL."""
    kind = os.environ.get("MINHU_TEMPORAL", "dev") or "dev"
    if kind not in TEMPORAL_KINDS:
        raise SystemExit(f"[stack] MINHU_TEMPORAL must be one of {', '.join(TEMPORAL_KINDS)}")
    return kind


def temporal_shards() -> int:
    """History shards of Temporal's own server (MINHU_TEMPORAL_SHARDS), fixed when its
    database is made."""
    return int(os.environ.get("MINHU_TEMPORAL_SHARDS", "4"))


def pg_password() -> str:
    return os.environ.get("MINHU_PG_PASSWORD", "minhu-local")


# The README's section on what each alert means and what to do, linked from alert e-mails.
RUNBOOK_ANCHOR = "README.md#alerts-who-is-told-and-what-to-do"


def runbook_url() -> str:
    """Where alert e-mails point for the runbook (MINHU_RUNBOOK_URL; else this checkout's)."""
    return os.environ.get("MINHU_RUNBOOK_URL", f"file://{ROOT}/{RUNBOOK_ANCHOR}")
