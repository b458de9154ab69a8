"""Fixtures shared by the integration and end-to-end suites."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support import INTAKE_HEADERS, SERVICE_HEADERS, StackAddresses


@pytest.fixture(scope="session")
def stack() -> StackAddresses:
    """Addresses of the running test stack."""
    return StackAddresses.from_env()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the services, showing the service token (and intake's demo key)."""
    headers = {**SERVICE_HEADERS, **INTAKE_HEADERS}
    async with httpx.AsyncClient(timeout=10.0, headers=headers) as client:
        yield client
