"""Fixtures of the end-to-end suite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support import DRILL_POLICY, StackAddresses, signed_in, stack_command


@pytest.fixture(scope="module")
async def drill_sla() -> AsyncIterator[None]:
    """The sla service runs the drill policy (deadlines of seconds) for one module only."""
    await stack_command("restart", "sla", env={**os.environ, "MINHU_SLA_POLICY": DRILL_POLICY})
    yield
    plain = {k: v for k, v in os.environ.items() if k != "MINHU_SLA_POLICY"}
    await stack_command("restart", "sla", env=plain)


@pytest.fixture
async def operator(stack: StackAddresses) -> AsyncIterator[httpx.AsyncClient]:
    """The demo operator (话务员), signed in at the desk, for intake's console API."""
    client = await signed_in(stack, "operator")
    try:
        yield client
    finally:
        await client.aclose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that stop and start servers (test_dependencies.py) run after all others."""
    late = [item for item in items if item.path.name == "test_dependencies.py"]
    if late:
        items[:] = [item for item in items if item not in late] + late
