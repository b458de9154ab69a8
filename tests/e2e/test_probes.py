"""Every service answers its probes and exports its metrics."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.support import StackAddresses


@pytest.mark.parametrize("service", ["intake", "dispatch", "sla", "notify"])
async def test_probes_and_metrics(
    service: str, stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    base = getattr(stack, service)
    assert (await http.get(f"{base}/healthz")).json() == {"status": "ok"}
    ready = await http.get(f"{base}/readyz")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert checks["kafka"] == "ok"
    assert ("temporal" in checks) == (service == "sla")
    metrics = (await http.get(f"{base}/metrics")).text
    assert "minhu_http_requests_total" in metrics
    if service != "intake":
        assert "minhu_events_consumed_total" in metrics
        assert "minhu_event_handling_seconds_bucket" in metrics


async def test_intake_follows_case_events_in_a_process_of_its_own(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    # The API process acknowledges; the follower applies the events intake follows, so a
    # backlog of them never waits in the same event loop as a POST.
    follower = f"http://127.0.0.1:{os.environ['MINHU_INTAKE_FOLLOWER_PORT']}"
    ready = await http.get(f"{follower}/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) >= {"kafka", "postgres"}
    followed = (await http.get(f"{follower}/metrics")).text
    assert "minhu_dead_letters_total" in followed and 'group="intake"' in followed
    assert 'group="intake"' not in (await http.get(f"{stack.intake}/metrics")).text
