"""CPU and memory of the stack's processes, read from /proc (each process with its children)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, int, float] | None:
    """(parent, session, CPU seconds) of one process and its reaped children, or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and brackets: fields start after the last ')'.
    rest = raw[raw.rindex(")") + 2 :].split()
    # utime, stime, then cutime, cstime: what exited children (PostgreSQL's backends) used.
    return int(rest[1]), int(rest[3]), sum(int(v) for v in rest[11:15]) / TICK


def _rss(pid: int) -> int:
    """Proportional set size: shared pages (PostgreSQL's buffers) split among their users."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _children() -> dict[int, list[int]]:
    """Every live process by its parent (PostgreSQL's backends leave their parent's session,
    so a process tree is followed by parent, not by session)."""
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                out.setdefault(st[0], []).append(int(entry))
    return out


def _tree(root: int, children: dict[int, list[int]]) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def stack_pids(run_dir: Path) -> dict[str, int]:
    """The stack's processes by name, from deploy/stack.py's pid files."""
    pids: dict[str, int] = {}
    for pidfile in sorted(run_dir.glob("*.pid")):
        try:
            pids[pidfile.stem] = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            continue
    return pids


@dataclass
class Usage:
    """CPU (share of one core) and peak memory (PSS) of one process and its children."""

    cpu_percent: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0


@dataclass
class ProcSampler:
    """Samples the named process trees every `interval` seconds in a thread."""

    roots: dict[str, int]
    interval: float = 0.5
    _cpu0: dict[str, float] = field(default_factory=dict)
    _peak: dict[str, int] = field(default_factory=dict)
    _t0: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self) -> dict[str, tuple[float, int]]:
        children = _children()
        out: dict[str, tuple[float, int]] = {}
        for name, root in self.roots.items():
            # The harness's own tree would count the servers it starts for the baselines.
            members = [root] if name == "bench" else _tree(root, children)
            cpu = sum((_stat(p) or (0, 0, 0.0))[2] for p in members)
            out[name] = (cpu, sum(_rss(p) for p in members))
        return out

    def start(self) -> None:
        """Start a measurement window."""
        self._stop.clear()
        self._t0 = time.monotonic()
        first = self._sample()
        self._cpu0 = {k: v[0] for k, v in first.items()}
        self._peak = {k: v[1] for k, v in first.items()}
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            for name, (_, rss) in self._sample().items():
                self._peak[name] = max(self._peak.get(name, 0), rss)

    def stop(self) -> dict[str, Usage]:
        """End the window: each tree's CPU share over it and its peak memory."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        elapsed = max(time.monotonic() - self._t0, 1e-6)
        last = self._sample()
        return {
            name: Usage(
                cpu_percent=round(100 * (cpu - self._cpu0.get(name, cpu)) / elapsed, 1),
                peak_rss_mb=round(max(self._peak.get(name, 0), rss) / 2**20, 1),
                cpu_seconds=round(cpu - self._cpu0.get(name, cpu), 2),
            )
            for name, (cpu, rss) in last.items()
        }
