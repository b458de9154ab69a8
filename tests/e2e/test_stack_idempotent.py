"""`up` on a running stack starts nothing new: one process of each kind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import PROFILE, ROOT, RUN_DIR

NAMES = (
    "postgres",
    "kafka",
    "temporal",
    "prometheus",
    "mailsink",
    "alertmanager",
    "smsgw",
    "intake",
    "dispatch",
    "sla",
    "notify",
    "desk",
)


def _pids() -> dict[str, int]:
    run = Path(RUN_DIR)
    return {n: int((run / f"{n}.pid").read_text()) for n in NAMES}


def test_up_twice_leaves_one_of_each() -> None:
    before = _pids()
    out = subprocess.run(
        [sys.executable, "deploy/stack.py", "--profile", PROFILE, "up"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert _pids() == before
    # Every process the stack runs, sla's worker processes (sla-worker-N) among them.
    assert out.count("already running") == len(list(Path(RUN_DIR).glob("*.pid")))
    for name, pid in before.items():
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert cmdline, name
