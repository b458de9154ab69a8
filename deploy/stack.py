#!/usr/bin/env python3
"""Starts, checks and stops Minhu's local stack: the servers and the four services.

Every process runs on loopback, keeps its state under var/<profile>/ and is tracked by a
pid file there, so `up` twice starts nothing new and `down` stops exactly what `up` started.
Profiles: `dev` (default ports, used by `make up`) and `test` (ports +10000, used by
`make test`, so tests never touch a running demo). Run with the project's .venv Python.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
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
SERVICES = ("intake", "dispatch", "sla", "notify")
DATABASES = ("minhu_intake", "minhu_dispatch", "minhu_notify", "minhu_sla")
PG_USER = "minhu"
SMSGW_KEY = "minhu-smsgw-local"


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
            "prometheus": 9090,
            "sla_temporal_metrics": 9464,
            "intake": 8001,
            "dispatch": 8002,
            "sla": 8003,
            "notify": 8004,
            "smsgw": 8005,
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
            "MINHU_ENVIRONMENT": self.name,
        }
        for svc in SERVICES:
            env[f"MINHU_{svc.upper()}_PORT"] = str(getattr(p, svc))
            env[f"MINHU_{svc.upper()}_URL"] = f"http://127.0.0.1:{getattr(p, svc)}"
        env["MINHU_SLA_TEMPORAL_METRICS_PORT"] = str(p.sla_temporal_metrics)
        # notify texts citizens through the local SMS gateway simulator.
        env["MINHU_NOTIFY_SMS_GATEWAY_URL"] = f"http://127.0.0.1:{p.smsgw}"
        env["MINHU_NOTIFY_SMS_GATEWAY_KEY"] = SMSGW_KEY
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


def _service_argv(svc: str) -> Callable[[], list[str]]:
    return lambda: [str(ROOT / ".venv/bin/python"), "-m", f"services.{svc}"]


def _service_ready(port: int) -> Callable[[], bool]:
    return lambda: http_ok(f"http://127.0.0.1:{port}/readyz")


def pg_password() -> str:
    return os.environ.get("MINHU_PG_PASSWORD", "minhu-local")


def say(msg: str) -> None:
    print(f"[stack] {msg}", flush=True)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except Exception:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) is not running.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@dataclass
class Proc:
    """One long-running process of the stack."""

    name: str
    argv: Callable[[], list[str]]
    ready: Callable[[], bool]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[], None] | None = None
    after_start: Callable[[], None] | None = None
    user: str | None = None
    stop_signal: int = signal.SIGTERM
    timeout: float = 90.0


class Stack:
    """The ordered processes of one profile."""

    def __init__(self, profile: Profile) -> None:
        self.p = profile
        ports = profile.ports
        svc_env = profile.service_env()
        self.procs: list[Proc] = [
            Proc(
                "postgres",
                self._postgres_argv,
                lambda: self._pg_ready(),
                ports.postgres,
                prepare=self._postgres_prepare,
                after_start=self._postgres_databases,
                user=self._pg_os_user(),
                stop_signal=signal.SIGINT,  # "fast" shutdown: no waiting for idle clients
            ),
            Proc(
                "kafka",
                self._kafka_argv,
                lambda: port_open(ports.kafka),
                ports.kafka,
                prepare=self._kafka_prepare,
                after_start=self._kafka_topics,
                timeout=120.0,
            ),
            Proc(
                "temporal",
                self._temporal_argv,
                lambda: port_open(ports.temporal) and port_open(ports.temporal_ui),
                ports.temporal,
                timeout=120.0,
            ),
            Proc(
                "prometheus",
                self._prometheus_argv,
                lambda: http_ok(f"http://127.0.0.1:{ports.prometheus}/-/ready"),
                ports.prometheus,
                prepare=self._prometheus_prepare,
            ),
        ]
        self.procs.append(
            Proc(
                "smsgw",
                lambda: [str(ROOT / ".venv/bin/python"), "-m", "services.notify.smsgw"],
                lambda: http_ok(f"http://127.0.0.1:{ports.smsgw}/readyz"),
                ports.smsgw,
                env={"MINHU_SMSGW_PORT": str(ports.smsgw), "MINHU_SMSGW_KEY": SMSGW_KEY},
            )
        )
        for svc in SERVICES:
            self.procs.append(
                Proc(
                    svc,
                    _service_argv(svc),
                    _service_ready(getattr(ports, svc)),
                    getattr(ports, svc),
                    env=svc_env,
                )
            )

    # -- generic process handling -------------------------------------------------------

    def pidfile(self, name: str) -> Path:
        return self.p.path("run", f"{name}.pid")

    def logfile(self, name: str) -> Path:
        return self.p.path("log", f"{name}.log")

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self.pidfile(name).read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if alive(pid) else None

    def get(self, name: str) -> Proc:
        return next(p for p in self.procs if p.name == name)

    def start(self, proc: Proc) -> None:
        pid = self.pid(proc.name)
        if pid is not None:
            say(f"{proc.name}: already running (pid {pid})")
            return
        if port_open(proc.port):
            raise SystemExit(
                f"[stack] {proc.name}: port {proc.port} is taken by a process this stack did "
                f"not start; stop it or pick another profile"
            )
        if proc.prepare:
            proc.prepare()
        log = self.logfile(proc.name).open("ab")
        env = {**os.environ, **proc.env}
        started = time.monotonic()
        child = subprocess.Popen(
            proc.argv(),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=proc.user,
        )
        self.pidfile(proc.name).write_text(f"{child.pid}\n")
        while not proc.ready():
            if child.poll() is not None:
                tail = self.logfile(proc.name).read_text(errors="replace")[-3000:]
                raise SystemExit(f"[stack] {proc.name} exited during start-up:\n{tail}")
            if time.monotonic() - started > proc.timeout:
                raise SystemExit(
                    f"[stack] {proc.name} not ready after {proc.timeout:.0f}s; see "
                    f"{self.logfile(proc.name)}"
                )
            time.sleep(0.2)
        if proc.after_start:
            proc.after_start()
        say(f"{proc.name}: started (pid {child.pid}, {time.monotonic() - started:.1f}s)")

    def stop(self, proc: Proc, *, sig: int | None = None, wait: float = 30.0) -> None:
        pid = self.pid(proc.name)
        if pid is None:
            self.pidfile(proc.name).unlink(missing_ok=True)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig or proc.stop_signal)
        deadline = time.monotonic() + wait
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            say(f"{proc.name}: did not stop in {wait:.0f}s, killing")
            os.killpg(pid, signal.SIGKILL)
            while alive(pid):
                time.sleep(0.1)
        self.pidfile(proc.name).unlink(missing_ok=True)
        say(f"{proc.name}: stopped (pid {pid})")

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

    def _temporal_argv(self) -> list[str]:
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
            "--namespace",
            "default",
            "--log-level",
            "warn",
            "--log-format",
            "json",
        ]

    # -- Prometheus ----------------------------------------------------------------------

    def _prometheus_prepare(self) -> None:
        p = self.p.ports
        text = (DEPLOY / "prometheus" / "prometheus.yml.in").read_text()
        for key, value in {
            "@RULES_DIR@": str(DEPLOY / "prometheus" / "rules"),
            "@INTAKE@": f"127.0.0.1:{p.intake}",
            "@DISPATCH@": f"127.0.0.1:{p.dispatch}",
            "@SLA@": f"127.0.0.1:{p.sla}",
            "@NOTIFY@": f"127.0.0.1:{p.notify}",
            "@PROMETHEUS@": f"127.0.0.1:{p.prometheus}",
            "@TEMPORAL_METRICS@": f"127.0.0.1:{p.temporal_metrics}",
            "@SLA_TEMPORAL_METRICS@": f"127.0.0.1:{p.sla_temporal_metrics}",
        }.items():
            text = text.replace(key, value)
        self.p.path("prometheus", "prometheus.yml").write_text(text)

    def _prometheus_argv(self) -> list[str]:
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        return [
            binary,
            f"--config.file={self.p.var / 'prometheus' / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.p.path('prometheus', 'data', 'x').parent}",
            f"--web.listen-address=127.0.0.1:{self.p.ports.prometheus}",
            "--web.enable-lifecycle",
            "--storage.tsdb.retention.time=7d",
        ]

    # -- commands ------------------------------------------------------------------------

    def up(self, names: list[str]) -> None:
        for proc in self.procs:
            if not names or proc.name in names:
                self.start(proc)

    def down(self, names: list[str]) -> None:
        for proc in reversed(self.procs):
            if not names or proc.name in names:
                self.stop(proc)

    def status(self) -> int:
        down = 0
        for proc in self.procs:
            pid = self.pid(proc.name)
            state = f"running (pid {pid})" if pid else "stopped"
            down += pid is None
            print(f"{proc.name:<11} {state:<22} 127.0.0.1:{proc.port}")
        return 1 if down else 0

    def urls(self) -> None:
        p = self.p.ports
        print(f"""
Minhu is up ({self.p.name} profile):
  Operator console (接线员受理台)   http://127.0.0.1:{p.intake}/
  Queue UI (办理人工作台)           http://127.0.0.1:{p.dispatch}/
  Temporal UI                      http://127.0.0.1:{p.temporal_ui}/
  Prometheus                       http://127.0.0.1:{p.prometheus}/
  APIs: intake :{p.intake}  dispatch :{p.dispatch}  sla :{p.sla}  notify :{p.notify}
  SMS gateway simulator (texts kept) http://127.0.0.1:{p.smsgw}/v1/messages
  Logs: {self.p.var / "log"}    Stop everything: make down
""")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down", "status", "urls", "restart", "env"])
    parser.add_argument("names", nargs="*", help="only these processes")
    parser.add_argument(
        "--profile", default=os.environ.get("MINHU_PROFILE", "dev"), help=PROFILE_HELP
    )
    args = parser.parse_args()
    try:
        profile = Profile(args.profile, Ports(port_offset(args.profile)))
    except ValueError as exc:
        parser.error(str(exc))
    stack = Stack(profile)
    unknown = set(args.names) - {p.name for p in stack.procs}
    if unknown:
        parser.error(f"unknown process: {', '.join(sorted(unknown))}")
    if args.command == "up":
        stack.up(args.names)
    elif args.command == "down":
        stack.down(args.names)
    elif args.command == "restart":
        stack.down(args.names)
        stack.up(args.names)
    elif args.command == "status":
        return stack.status()
    elif args.command == "urls":
        stack.urls()
    elif args.command == "env":
        for key, value in profile.service_env().items():
            print(f"export {key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
