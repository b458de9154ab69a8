"""The faults of the drill and how each is made and undone on a running stack.

Processes are found by deploy/stack.py's pid files; a killed process is started again with
`deploy/stack.py up <name>` while everything else keeps running (the services reconnect to
a restarted server on their own).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

KILL, PAUSE, AWAY = "kill", "pause", "away"
SERVERS = ("kafka", "temporal", "postgres")


@dataclass(frozen=True)
class Fault:
    """One fault: what is done to which process, and for how long before it is undone."""

    kind: str  # KILL (SIGKILL, then start again), PAUSE (SIGSTOP, then SIGCONT), AWAY
    target: str  # a process name of deploy/stack.py
    hold: float  # seconds between the fault and its recovery, the load running

    @property
    def label(self) -> str:
        if self.kind == KILL:
            verb = "SIGKILL + restart" if self.target in SERVERS else "SIGKILL"
            return f"{verb} {self.target}"
        if self.kind == PAUSE:
            return f"SIGSTOP {self.target} {self.hold:.0f}s (past session timeout)"
        return f"{self.target} away {self.hold:.0f}s"


def plan(names: list[str], *, hold: float, pause: float, away: float) -> list[Fault]:
    """Faults from short names: a process name is killed, `pause:<proc>` stopped for `pause`
    seconds, `away:smsgw` made unreachable for `away` seconds."""
    out = []
    for name in names:
        kind, _, target = name.rpartition(":")
        if kind == PAUSE:
            out.append(Fault(PAUSE, target, pause))
        elif kind == AWAY:
            out.append(Fault(AWAY, target, away))
        elif not kind:
            out.append(Fault(KILL, target, hold))
        else:
            raise ValueError(f"unknown fault {name!r}")
    return out


FULL = [
    "intake",
    "dispatch",
    "sla",
    "sla-worker-1",
    "notify",
    "desk",
    "kafka",
    "temporal",
    "postgres",
    "pause:dispatch",
    "away:smsgw",
]


@dataclass
class Processes:
    """The running stack of one profile, by its pid files."""

    profile: str

    def pid(self, name: str) -> int:
        path = ROOT / "var" / self.profile / "run" / f"{name}.pid"
        return int(path.read_text().strip())

    def signal(self, name: str, sig: int) -> int:
        """Send a signal to a process and its group (PostgreSQL's backends, Kafka's JVM)."""
        pid = self.pid(name)
        os.killpg(pid, sig)
        return pid

    async def kill(self, name: str) -> None:
        pid = self.signal(name, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:  # noqa: ASYNC110 (another process)
            await asyncio.sleep(0.1)

    async def start(self, name: str) -> None:
        proc = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "deploy/stack.py", "--profile", self.profile, "up", name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{name} did not start again: {proc.stdout}{proc.stderr}")

    async def inject(self, fault: Fault) -> None:
        if fault.kind == KILL:
            await self.kill(fault.target)
        else:  # a paused consumer misses its heartbeats; a stopped gateway answers nothing
            self.signal(fault.target, signal.SIGSTOP)

    async def recover(self, fault: Fault) -> None:
        if fault.kind == KILL:
            await self.start(fault.target)
        else:
            self.signal(fault.target, signal.SIGCONT)

    def resume_all(self, faults: list[Fault]) -> None:
        """Leave nothing stopped, whatever happened (an interrupted drill)."""
        for fault in faults:
            if fault.kind != KILL:
                with contextlib.suppress(OSError, ValueError):
                    self.signal(fault.target, signal.SIGCONT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
