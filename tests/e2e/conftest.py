"""Fixtures of the end-to-end suite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.support import DRILL_POLICY, stack_command


@pytest.fixture(scope="module")
async def drill_sla() -> AsyncIterator[None]:
    """The sla service runs the drill policy (deadlines of seconds) for one module only."""
    await stack_command("restart", "sla", env={**os.environ, "MINHU_SLA_POLICY": DRILL_POLICY})
    yield
    plain = {k: v for k, v in os.environ.items() if k != "MINHU_SLA_POLICY"}
    await stack_command("restart", "sla", env=plain)
