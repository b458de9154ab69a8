"""The README's shell examples run as written, against the test stack.

Every ```sh / ```bash block of README.md runs with `bash -e`, the default dev addresses
(127.0.0.1:8001 … 8006) swapped for the test profile's (MINHU_*_URL). A block is skipped
only when the README says so, with `<!-- not run by the examples test: why -->` on the line
before it (set-up commands such as `make up`). A non-zero exit fails, and so does an HTTP
error: the examples call curl with -f.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT

README = Path(ROOT) / "README.md"
SKIP = re.compile(r"^<!--\s*not run by the examples test:.*-->\s*$")
FENCE = re.compile(r"^```(sh|bash)\s*$")
# Default dev ports in the README, and the variable holding the test profile's address.
SERVICES = {
    8001: "MINHU_INTAKE_URL",
    8002: "MINHU_DISPATCH_URL",
    8003: "MINHU_SLA_URL",
    8004: "MINHU_NOTIFY_URL",
    8005: "MINHU_NOTIFY_SMS_GATEWAY_URL",
    8006: "MINHU_DESK_URL",
}


@dataclass(frozen=True)
class Example:
    line: int
    code: str
    skipped: bool


def examples(text: str) -> list[Example]:
    """Every sh/bash block with its first line number, and whether the README skips it."""
    out, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            before = next((ln for ln in reversed(lines[:i]) if ln.strip()), "")
            start, i = i + 1, i + 1
            while not lines[i].startswith("```"):
                i += 1
            out.append(Example(start, "\n".join(lines[start:i]), bool(SKIP.match(before))))
        i += 1
    return out


def on_test_stack(code: str, env: dict[str, str]) -> str:
    """The example with the test profile's addresses in place of the default dev ones."""
    for port, var in SERVICES.items():
        address = env[var].removeprefix("http://").rstrip("/")
        code = re.sub(rf"(?<![\d.]){re.escape('127.0.0.1')}:{port}\b", address, code)
        code = re.sub(rf"(?<![\w:]):{port}\b", ":" + address.rsplit(":", 1)[1], code)
    return code


README_EXAMPLES = examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_examples_and_marks_what_it_skips() -> None:
    ran = [x for x in README_EXAMPLES if not x.skipped]
    assert len(ran) >= 3, README_EXAMPLES
    assert any("make up" in x.code for x in README_EXAMPLES if x.skipped)


@pytest.mark.parametrize(
    "example",
    [x for x in README_EXAMPLES if not x.skipped],
    ids=lambda x: f"README.md:{x.line}",
)
def test_readme_example_runs(example: Example) -> None:
    env = dict(os.environ)
    if "MINHU_INTAKE_URL" not in env:
        pytest.fail("no stack: run through deploy/pytest.sh --stack")
    code = on_test_stack(example.code, env)
    proc = subprocess.run(
        ["bash", "-e", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{code}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
