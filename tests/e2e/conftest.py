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


# Run after all others, in this order: the fault drill (its load of real messages lands
# cases at every unit, which the exact counts and wording checks of other tests would
# meet) and the tests that stop and start servers.
LATE = ("test_chaos.py", "test_dependencies.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the LATE files' tests to the end of the run."""
    late = sorted(
        (item for item in items if item.path.name in LATE), key=lambda i: LATE.index(i.path.name)
    )
    if late:
        items[:] = [item for item in items if item not in late] + late
