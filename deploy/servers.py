"""How each server of the stack is prepared, started and checked: PostgreSQL, Kafka,
Temporal, Prometheus and Alertmanager, from the project's own fetched binaries and
configuration."""

from __future__ import annotations

import asyncio
import base64
import os
import pwd
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import temporal_server
from profiles import (
    ALERTMANAGER_TOKEN,
    CACHE,
    DATABASES,
    DEPLOY,
    PG_BIN,
    PG_USER,
    ROOT,
    SUPERVISION_EMAIL,
    VERSIONS,
    Profile,
    pg_password,
    runbook_url,
    sla_workers,
    temporal_kind,
    temporal_shards,
)

# How long Temporal keeps a closed case's workflow history (the record keeps it for years).
TEMPORAL_RETENTION = "720h"


class Servers:
    """Server-specific steps; the Stack that runs them mixes this in."""

    p: Profile

    def logfile(self, name: str) -> Path:
        return self.p.path("log", f"{name}.log")

    # -- PostgreSQL ----------------------------------------------------------------------

    def _pg_os_user(self) -> str | None:
        # initdb and postgres refuse to run as root; the Debian package's user runs them.
        return "postgres" if os.geteuid() == 0 else None

    def _pg_data(self) -> Path:
        return self.p.var / "postgres" / "data"

    def _postgres_prepare(self) -> None:
        data = self._pg_data()
        if (data / "PG_VERSION").exists():
            return
        if not (PG_BIN / "initdb").exists():
            raise SystemExit("[stack] PostgreSQL binaries missing: run deploy/bootstrap.sh")
        base = data.parent
        base.mkdir(parents=True, exist_ok=True)
        user = self._pg_os_user()
        pwfile = base / "pwfile"
        pwfile.write_text(pg_password() + "\n")
        if user:
            info = pwd.getpwnam(user)
            for d in (base, self.p.path("log", "x").parent):
                os.chown(d, info.pw_uid, info.pw_gid)
            os.chown(pwfile, info.pw_uid, info.pw_gid)
            self.logfile("postgres").touch()
            os.chown(self.logfile("postgres"), info.pw_uid, info.pw_gid)
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                PG_USER,
                "--pwfile",
                str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            user=user,
        )
        pwfile.unlink()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# Minhu local instance\nmax_connections = 200\nshared_buffers = 256MB\n"
                "fsync = on\nsynchronous_commit = on\nlog_min_messages = warning\n"
            )

    def _postgres_argv(self) -> list[str]:
        sock = self.p.var / "postgres"
        return [
            str(PG_BIN / "postgres"),
            "-D",
            str(self._pg_data()),
            "-p",
            str(self.p.ports.postgres),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={sock}",
            # MINHU_PG_STATEMENTS=1 (make bench sets it): per-statement counts and times
            # in pg_stat_statements, which the bench reads per ramp step.
            *(
                ["-c", "shared_preload_libraries=pg_stat_statements"]
                if os.environ.get("MINHU_PG_STATEMENTS") == "1"
                else []
            ),
        ]

    def _psql(self, sql: str, db: str = "postgres") -> str:
        out = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.p.ports.postgres),
                "-U",
                PG_USER,
                "-d",
                db,
                "-tAc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PGPASSWORD": pg_password()},
        )
        return out.stdout.strip()

    def _pg_ready(self) -> bool:
        return (
            subprocess.run(
                [
                    str(PG_BIN / "pg_isready"),
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.p.ports.postgres),
                ],
                check=False,
            ).returncode
            == 0
        )

    def _postgres_databases(self) -> None:
        existing = set(self._psql("SELECT datname FROM pg_database").split())
        for db in DATABASES:
            if db not in existing:
                self._psql(f'CREATE DATABASE "{db}"')
        if os.environ.get("MINHU_PG_STATEMENTS") == "1":
            self._psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    # -- Kafka ---------------------------------------------------------------------------

    def _kafka_libs(self) -> Path:
        libs = CACHE / f"kafka-{VERSIONS['KAFKA_VERSION']}" / "libs"
        if not libs.is_dir():
            raise SystemExit("[stack] Kafka jars missing: run deploy/bootstrap.sh")
        return libs

    def _kafka_java(self, main: str, *args: str, heap: str = "256m") -> list[str]:
        return [
            "java",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{DEPLOY / 'kafka' / 'log4j.properties'}",
            "-cp",
            f"{self._kafka_libs()}/*",
            main,
            *args,
        ]

    def _kafka_prepare(self) -> None:
        data = self.p.var / "kafka" / "data"
        props = self.p.path("kafka", "server.properties")
        text = (DEPLOY / "kafka" / "server.properties.in").read_text()
        for key, value in {
            "@DATA_DIR@": str(data),
            "@PORT@": str(self.p.ports.kafka),
            "@CONTROLLER_PORT@": str(self.p.ports.kafka_controller),
        }.items():
            text = text.replace(key, value)
        props.write_text(text)
        if not (data / "meta.properties").exists():
            cluster_id = "-"
            while cluster_id.startswith("-"):  # the storage tool would read it as an option
                cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
            subprocess.run(
                self._kafka_java(
                    "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props)
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def _kafka_argv(self) -> list[str]:
        return self._kafka_java(
            "kafka.Kafka", str(self.p.var / "kafka" / "server.properties"), heap="768m"
        )

    def _kafka_topics(self) -> None:
        wanted = {}
        for line in (DEPLOY / "kafka" / "topics.txt").read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, partitions = line.split()
                wanted[name] = int(partitions)
        asyncio.run(create_topics(f"127.0.0.1:{self.p.ports.kafka}", wanted))

    # -- Temporal ------------------------------------------------------------------------

    def _temporal_prepare(self) -> None:
        """Temporal's own server only: its databases, schema and configuration (PostgreSQL
        starts first)."""
        if temporal_kind() != "server":
            return
        existing = set(self._psql("SELECT datname FROM pg_database").split())
        temporal_server.setup_schema(
            self.p.ports, existing, lambda db: self._psql(f'CREATE DATABASE "{db}"')
        )
        temporal_server.write_config(
            self.p.path("temporal", "server.yaml").parent, self.p.ports, temporal_shards()
        )

    def _temporal_ready(self) -> bool:
        # The dev server's UI opens last; Temporal's own server has none.
        ports = [self.p.ports.temporal]
        if temporal_kind() == "dev":
            ports.append(self.p.ports.temporal_ui)
        return all(_port_open(port) for port in ports)

    def _temporal_argv(self) -> list[str]:
        if temporal_kind() == "server":
            return temporal_server.argv(self.p.var / "temporal" / "server.yaml")
        binary = CACHE / f"temporal-{VERSIONS['TEMPORAL_CLI_VERSION']}" / "temporal"
        if not binary.exists():
            raise SystemExit("[stack] Temporal CLI missing: run deploy/bootstrap.sh")
        p = self.p.ports
        return [
            str(binary),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(p.temporal),
            "--ui-ip",
            "127.0.0.1",
            "--ui-port",
            str(p.temporal_ui),
            "--metrics-port",
            str(p.temporal_metrics),
            "--http-port",
            str(p.temporal_http),
            "--db-filename",
            str(self.p.path("temporal", "temporal.db")),
            # A write-ahead log with one sync per checkpoint instead of per commit: about 2.5
            # times the workflow starts. A crash of the server loses nothing; a power cut may
            # lose its last commits (never corrupts the file), which is the dev server's lot.
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--namespace",
            "default",
            "--log-level",
            "warn",
            "--log-format",
            "json",
        ]

    def _temporal_retention(self) -> None:
        # The dev server keeps a closed workflow 24 hours; the stack keeps it 30 days. What
        # outlives that (the case record, for years) is the desk's, not Temporal's.
        # Temporal's own server registers no namespace of its own: the stack creates it.
        binary = CACHE / f"temporal-{VERSIONS['TEMPORAL_CLI_VERSION']}" / "temporal"
        verb = "update"
        if temporal_kind() == "server" and not self._temporal_has_default(binary):
            verb = "create"
        # Right after its port opens, a loaded dev server may not have registered the
        # namespace yet: try again for a while before giving up.
        for attempt in range(10):
            done = subprocess.run(
                [
                    str(binary),
                    "operator",
                    "namespace",
                    verb,
                    "--namespace",
                    "default",
                    "--retention",
                    TEMPORAL_RETENTION,
                    "--address",
                    f"127.0.0.1:{self.p.ports.temporal}",
                ],
                capture_output=True,
                timeout=60,
            )
            if done.returncode == 0:
                return
            if attempt == 9:
                raise subprocess.CalledProcessError(
                    done.returncode, done.args, done.stdout, done.stderr
                )
            time.sleep(3)

    def _temporal_has_default(self, binary: Path) -> bool:
        """Whether the `default` namespace exists; waits for the server to answer."""
        for _ in range(40):
            done = subprocess.run(
                [
                    str(binary),
                    "operator",
                    "namespace",
                    "describe",
                    "--namespace",
                    "default",
                    "--address",
                    f"127.0.0.1:{self.p.ports.temporal}",
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if done.returncode == 0:
                return True
            if "not found" in (done.stderr + done.stdout).lower():
                return False
            time.sleep(1.5)
        return False

    # -- Prometheus ----------------------------------------------------------------------

    def _prometheus_prepare(self) -> None:
        p = self.p.ports
        text = (DEPLOY / "prometheus" / "prometheus.yml.in").read_text()
        for key, value in {
            "@RULES_DIR@": str(DEPLOY / "prometheus" / "rules"),
            "@LOCAL_RULES_DIR@": str(self._local_rules()),
            "@ALERTMANAGER@": f"127.0.0.1:{p.alertmanager}",
            "@INTAKE@": f"127.0.0.1:{p.intake}",
            "@INTAKE_FOLLOWER@": f"127.0.0.1:{p.intake_follower}",
            "@DISPATCH@": f"127.0.0.1:{p.dispatch}",
            "@SLA@": f"127.0.0.1:{p.sla}",
            "@NOTIFY@": f"127.0.0.1:{p.notify}",
            "@DESK@": f"127.0.0.1:{p.desk}",
            "@PROMETHEUS@": f"127.0.0.1:{p.prometheus}",
            "@TEMPORAL_METRICS@": f"127.0.0.1:{p.temporal_metrics}",
            "@SLA_TEMPORAL_METRICS@": self._targets(p.sla_temporal_metrics),
            # Without worker processes the sla service itself holds the activities' metrics.
            "@SLA_WORKERS@": self._targets(p.sla_worker_metrics if sla_workers() else p.sla),
        }.items():
            text = text.replace(key, value)
        self.p.path("prometheus", "prometheus.yml").write_text(text)

    def _local_rules(self) -> Path:
        """The profile's own rule files: test profiles get the drill rule that always fires
        (deploy/prometheus/drill/), so a test can follow an alert to its receivers."""
        folder = self.p.var / "prometheus" / "rules.d"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.rules.yml"):
            old.unlink()
        if self.p.name.startswith("test"):
            for drill in (DEPLOY / "prometheus" / "drill").glob("*.rules.yml"):
                shutil.copy(drill, folder / drill.name)
        return folder

    def _targets(self, first_port: int) -> str:
        """Scrape targets of sla's worker processes, as the inside of a YAML list of strings
        (with none, the sla service itself runs the worker and serves the first port)."""
        ports = [first_port + n for n in range(max(sla_workers(), 1))]
        return '", "'.join(f"127.0.0.1:{port}" for port in ports)

    def _prometheus_argv(self) -> list[str]:
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        return [
            binary,
            f"--config.file={self.p.var / 'prometheus' / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.p.path('prometheus', 'data', 'x').parent}",
            f"--web.listen-address=127.0.0.1:{self.p.ports.prometheus}",
            # Alerts link back to the graph at this address (not the machine's host name).
            f"--web.external-url=http://127.0.0.1:{self.p.ports.prometheus}/",
            "--web.enable-lifecycle",
            "--storage.tsdb.retention.time=7d",
        ]

    # -- Alertmanager and the local SMTP sink --------------------------------------------

    def _alertmanager_prepare(self) -> None:
        p = self.p.ports
        token = self.p.path("alertmanager", "notify-token")
        token.write_text(ALERTMANAGER_TOKEN)
        token.chmod(0o600)
        email = self.p.path("alertmanager", "email.tmpl")
        email.write_text(
            (DEPLOY / "alertmanager" / "email.tmpl.in")
            .read_text()
            .replace("@RUNBOOK_URL@", runbook_url())
        )
        text = (DEPLOY / "alertmanager" / "alertmanager.yml.in").read_text()
        for key, value in {
            "@EMAIL_TEMPLATE@": str(email),
            "@SMARTHOST@": f"127.0.0.1:{p.mailsink}",
            "@WEBHOOK_URL@": f"http://127.0.0.1:{p.notify}/v1/alerts",
            "@WEBHOOK_TOKEN_FILE@": str(token),
            "@SUPERVISION_EMAIL@": SUPERVISION_EMAIL,
        }.items():
            text = text.replace(key, value)
        self.p.path("alertmanager", "alertmanager.yml").write_text(text)

    def _alertmanager_argv(self) -> list[str]:
        binary = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
        return [
            binary,
            f"--config.file={self.p.var / 'alertmanager' / 'alertmanager.yml'}",
            f"--storage.path={self.p.path('alertmanager', 'data', 'x').parent}",
            f"--web.listen-address=127.0.0.1:{self.p.ports.alertmanager}",
            f"--web.external-url=http://127.0.0.1:{self.p.ports.alertmanager}/",
            "--cluster.listen-address=",  # one instance: no gossip port
            "--log.level=warn",
        ]

    def _mailsink_argv(self) -> list[str]:
        return [
            str(ROOT / ".venv" / "bin" / "python"),
            str(DEPLOY / "mailsink.py"),
            str(self.p.ports.mailsink),
            str(self.p.path("mail", "x").parent),
        ]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


async def create_topics(bootstrap: str, wanted: dict[str, int]) -> None:
    """Create the missing topics with their partition counts (the broker auto-creates none)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    for attempt in range(60):
        try:
            await admin.start()
            break
        except Exception:
            if attempt == 59:
                raise
            await asyncio.sleep(1)
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=n, replication_factor=1)
            for name, n in wanted.items()
            if name not in existing
        ]
        if missing:
            await admin.create_topics(missing)
    finally:
        await admin.close()
