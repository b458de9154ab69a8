#!/usr/bin/env python3
"""Starts, checks and stops Minhu's local stack: the servers, the SMS gateway simulator,
the SMTP sink and the five services.

Every process runs on loopback, keeps its state under var/<profile>/ and is tracked by a
pid file there, so `up` twice starts nothing new and `down` stops exactly what `up` started.
Profiles are in profiles.py (`dev` for `make up`, `test…` for tests, each on its own ports);
how each server is prepared is in servers.py. Run with the project's .venv Python.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from profiles import (
    PROFILE_HELP,
    ROOT,
    SERVICES,
    SMSGW_KEY,
    Ports,
    Profile,
    port_offset,
    sla_workers,
    temporal_kind,
)
from servers import Servers

# Niceness of the processes that work off Kafka (dispatch, notify, the desk, intake's
# follower), and of sla's Temporal workers: above the consumers, since the workflows hold
# the citizens' deadlines while the consumers' read sides can wait.
CONSUMER_NICE = int(os.environ.get("MINHU_CONSUMER_NICE", "5"))
WORKER_NICE = int(os.environ.get("MINHU_WORKER_NICE", "2"))
# How much longer than usual each process may take to become ready (a loaded machine).
TIMEOUT_SCALE = float(os.environ.get("MINHU_STACK_TIMEOUT_SCALE", "1"))


def _service_argv(svc: str) -> Callable[[], list[str]]:
    return lambda: [str(ROOT / ".venv/bin/python"), "-m", f"services.{svc}"]


def _service_ready(port: int) -> Callable[[], bool]:
    return lambda: http_ok(f"http://127.0.0.1:{port}/readyz")


def _service_live(port: int) -> Callable[[], bool]:
    return lambda: http_ok(f"http://127.0.0.1:{port}/healthz")


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
    # Scheduling niceness: the consumers yield the CPU to intake's acknowledgements, so above
    # the sustainable rate intake still answers at once and the backlog waits in Kafka.
    nice: int = 0
    # Up without its dependencies (`--live`): the process answers, though not yet ready.
    live: Callable[[], bool] | None = None


class Stack(Servers):
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
                self._temporal_ready,
                ports.temporal,
                prepare=self._temporal_prepare,
                after_start=self._temporal_retention,
                timeout=120.0,
            ),
            Proc(
                "prometheus",
                self._prometheus_argv,
                lambda: http_ok(f"http://127.0.0.1:{ports.prometheus}/-/ready"),
                ports.prometheus,
                prepare=self._prometheus_prepare,
            ),
            Proc(
                "mailsink",
                self._mailsink_argv,
                lambda: port_open(ports.mailsink),
                ports.mailsink,
            ),
            Proc(
                "alertmanager",
                self._alertmanager_argv,
                lambda: http_ok(f"http://127.0.0.1:{ports.alertmanager}/-/ready"),
                ports.alertmanager,
                prepare=self._alertmanager_prepare,
            ),
        ]
        self.procs.append(
            Proc(
                "smsgw",
                lambda: [str(ROOT / ".venv/bin/python"), "-m", "services.notify.smsgw"],
                lambda: http_ok(f"http://127.0.0.1:{ports.smsgw}/readyz"),
                ports.smsgw,
                env={
                    "MINHU_SMSGW_PORT": str(ports.smsgw),
                    "MINHU_SMSGW_KEY": SMSGW_KEY,
                    # Citizens' replies (上行) go to notify, as a provider's callback would.
                    "MINHU_SMSGW_INBOUND_URL": (
                        f"http://127.0.0.1:{ports.notify}/provider/sms/inbound"
                    ),
                },
            )
        )
        for svc in SERVICES:
            self.procs.append(
                Proc(
                    svc,
                    _service_argv(svc),
                    _service_ready(getattr(ports, svc)),
                    getattr(ports, svc),
                    # intake's API acknowledges; its follower applies the events it follows.
                    env={**svc_env, "MINHU_INTAKE_FOLLOW": "false"} if svc == "intake" else svc_env,
                    # sla answers people's commands (accept, resolve) through Temporal: both
                    # keep their share, as intake does.
                    nice=CONSUMER_NICE if svc in ("dispatch", "notify", "desk") else 0,
                    live=_service_live(getattr(ports, svc)),
                )
            )
            if svc == "intake":
                self.procs.append(self._intake_follower(svc_env))
            if svc == "sla":
                self.procs += [self._sla_worker(n, svc_env) for n in range(1, sla_workers() + 1)]

    def _intake_follower(self, env: dict[str, str]) -> Proc:
        """intake's consumer of the case events it follows, in a process of its own."""
        port = self.p.ports.intake_follower
        return Proc(
            "intake-follower",
            lambda: [str(ROOT / ".venv/bin/python"), "-m", "services.intake.follower"],
            _service_ready(port),
            port,
            env=env,
            nice=CONSUMER_NICE,
            live=_service_live(port),
        )

    def _sla_worker(self, n: int, env: dict[str, str]) -> Proc:
        """sla's Temporal worker process n: up once its metrics port answers."""
        port = self.p.ports.sla_worker_metrics + n - 1
        return Proc(
            f"sla-worker-{n}",
            lambda: [str(ROOT / ".venv/bin/python"), "-m", "services.sla.worker", str(n)],
            lambda: port_open(port),
            port,
            env=env,
            nice=WORKER_NICE,
            live=lambda: True,  # it serves metrics only once connected; running is enough
        )

    def expand(self, names: list[str]) -> list[str]:
        """Names to act on: `sla` stands for the sla service and its worker processes,
        `intake` for intake and its follower."""
        out = list(names)
        if "intake" in names:
            out.append("intake-follower")
        if "sla" in names:
            out += [p.name for p in self.procs if p.name.startswith("sla-worker-")]
        return out

    # -- generic process handling -------------------------------------------------------

    def pidfile(self, name: str) -> Path:
        return self.p.path("run", f"{name}.pid")

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self.pidfile(name).read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if alive(pid) else None

    def get(self, name: str) -> Proc:
        return next(p for p in self.procs if p.name == name)

    def start(self, proc: Proc, *, live: bool = False) -> None:
        pid = self.pid(proc.name)
        if pid is not None:
            say(f"{proc.name}: already running (pid {pid})")
            return
        # A process of ours just stopped may hold its port a moment longer while it exits.
        freed = time.monotonic() + 10 * TIMEOUT_SCALE
        while port_open(proc.port) and time.monotonic() < freed:
            time.sleep(0.2)
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
            # Set in the child before it runs anything, so every thread it starts inherits it.
            preexec_fn=(lambda: os.nice(proc.nice)) if proc.nice else None,
        )
        self.pidfile(proc.name).write_text(f"{child.pid}\n")
        ready = proc.live if live and proc.live else proc.ready
        while not ready():
            if child.poll() is not None:
                tail = self.logfile(proc.name).read_text(errors="replace")[-3000:]
                raise SystemExit(f"[stack] {proc.name} exited during start-up:\n{tail}")
            if time.monotonic() - started > proc.timeout * TIMEOUT_SCALE:
                raise SystemExit(
                    f"[stack] {proc.name} not ready after {proc.timeout * TIMEOUT_SCALE:.0f}s; see "
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

    # -- commands ------------------------------------------------------------------------

    def up(self, names: list[str], *, live: bool = False) -> None:
        names = self.expand(names)
        for proc in self.procs:
            if not names or proc.name in names:
                self.start(proc, live=live)

    def down(self, names: list[str]) -> None:
        names = self.expand(names)
        for proc in reversed(self.procs):
            if not names or proc.name in names:
                self.stop(proc)

    def status(self) -> int:
        down = 0
        for proc in self.procs:
            pid = self.pid(proc.name)
            state = f"running (pid {pid})" if pid else "stopped"
            down += pid is None
            print(f"{proc.name:<16} {state:<22} 127.0.0.1:{proc.port}")
        return 1 if down else 0

    def urls(self) -> None:
        p = self.p.ports
        ui = (
            f"http://127.0.0.1:{p.temporal_ui}/"
            if temporal_kind() == "dev"
            else "none (Temporal's own server, MINHU_TEMPORAL=server)"
        )
        print(f"""
Minhu is up ({self.p.name} profile):
  Operator console (接线员受理台)   http://127.0.0.1:{p.intake}/
  Queue UI, search, reports (工作台) http://127.0.0.1:{p.desk}/
  Temporal UI                      {ui}
  Prometheus                       http://127.0.0.1:{p.prometheus}/
  Alertmanager                     http://127.0.0.1:{p.alertmanager}/
  Alert e-mail (local SMTP sink)   {self.p.var / "mail"}
  APIs: intake :{p.intake}  dispatch :{p.dispatch}  sla :{p.sla}  notify :{p.notify}  desk :{p.desk}
  SMS gateway simulator (texts kept) http://127.0.0.1:{p.smsgw}/v1/messages
  Logs: {self.p.var / "log"}    Stop everything: make down
""")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down", "status", "urls", "restart", "env"])
    parser.add_argument("names", nargs="*", help="only these processes")
    parser.add_argument(
        "--profile", default=os.environ.get("MINHU_PROFILE", "dev"), help=PROFILE_HELP
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="up/restart: wait until services answer, not until their dependencies are there",
    )
    args = parser.parse_intermixed_args()
    try:
        profile = Profile(args.profile, Ports(port_offset(args.profile)))
    except ValueError as exc:
        parser.error(str(exc))
    stack = Stack(profile)
    unknown = set(args.names) - {p.name for p in stack.procs}
    if unknown:
        parser.error(f"unknown process: {', '.join(sorted(unknown))}")
    if args.command == "up":
        stack.up(args.names, live=args.live)
    elif args.command == "down":
        stack.down(args.names)
    elif args.command == "restart":
        stack.down(args.names)
        stack.up(args.names, live=args.live)
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
