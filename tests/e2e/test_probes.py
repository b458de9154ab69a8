"""Every service answers its probes and exports its metrics."""

from __future__ import annotations

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
