"""Temporal's own server (MINHU_TEMPORAL=server) on the project's PostgreSQL: its binaries,
its databases and schema, its configuration and its command line. The stack's default is the
CLI's dev server (servers.py); this one is built only on request (deploy/bootstrap.sh
temporal-server)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from profiles import CACHE, DEPLOY, PG_USER, VERSIONS, Ports, pg_password

# Its two databases in the project's PostgreSQL: workflow state and visibility.
DATABASES = {"temporal": "temporal", "temporal_visibility": "visibility"}
SERVICES = ("frontend", "history", "matching", "worker")


def home() -> Path:
    """Where deploy/bootstrap.sh puts the server, its schema tool and the schema it ships."""
    return CACHE / f"temporal-server-{VERSIONS['TEMPORAL_SERVER_VERSION']}"


def binary(name: str) -> Path:
    path = home() / name
    if not path.exists():
        raise SystemExit(
            "[stack] Temporal server missing (MINHU_TEMPORAL=server): run "
            "deploy/bootstrap.sh temporal-server"
        )
    return path


def render_config(template: str, ports: Ports, *, shards: int, dynamic_config: Path) -> str:
    """The server's configuration for one profile's ports and the project's PostgreSQL."""
    values = {
        "@SHARDS@": str(shards),
        "@PG_PORT@": str(ports.postgres),
        "@PG_USER@": PG_USER,
        "@PG_PASSWORD@": pg_password(),
        "@METRICS_PORT@": str(ports.temporal_metrics),
        # The frontend answers where the dev server does, so the services change nothing.
        "@FRONTEND_PORT@": str(ports.temporal),
        "@HTTP_PORT@": str(ports.temporal_http),
        "@DYNAMIC_CONFIG@": str(dynamic_config),
    }
    for svc in SERVICES:
        if svc != "frontend":
            values[f"@{svc.upper()}_PORT@"] = str(getattr(ports, f"temporal_{svc}"))
        values[f"@{svc.upper()}_MEMBERSHIP_PORT@"] = str(
            getattr(ports, f"temporal_{svc}_membership")
        )
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def write_config(folder: Path, ports: Ports, shards: int) -> Path:
    """Render deploy/temporal/server.yaml.in into folder (readable by its owner only: it holds
    the database password)."""
    out = folder / "server.yaml"
    text = render_config(
        (DEPLOY / "temporal" / "server.yaml.in").read_text(),
        ports,
        shards=shards,
        dynamic_config=DEPLOY / "temporal" / "dynamicconfig.yaml",
    )
    out.touch(mode=0o600)
    out.chmod(0o600)
    out.write_text(text)
    return out


def setup_schema(ports: Ports, existing: set[str], create: Callable[[str], object]) -> None:
    """Make both databases when missing (an empty schema at version 0.0), then bring each to
    the newest version of the schema shipped with the server (nothing to do when current)."""
    tool = binary("temporal-sql-tool")
    env = {
        **os.environ,
        "SQL_PLUGIN": "postgres12",
        "SQL_HOST": "127.0.0.1",
        "SQL_PORT": str(ports.postgres),
        "SQL_USER": PG_USER,
        "SQL_PASSWORD": pg_password(),
    }
    for db, kind in DATABASES.items():
        if db not in existing:
            create(db)
            _sql_tool(tool, env, "--db", db, "setup-schema", "-v", "0.0")
        versioned = home() / "schema" / "postgresql" / "v12" / kind / "versioned"
        _sql_tool(tool, env, "--db", db, "update-schema", "-d", str(versioned))


def _sql_tool(tool: Path, env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(tool), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout)[-3000:]
        raise SystemExit(f"[stack] temporal-sql-tool {' '.join(args)} failed:\n{tail}")


def argv(config: Path) -> list[str]:
    """All four services in one process, without an authorizer (loopback only)."""
    services = [arg for svc in SERVICES for arg in ("--service", svc)]
    return [
        str(binary("temporal-server")),
        "--config-file",
        str(config),
        "--allow-no-auth",
        "start",
        *services,
    ]
