"""The short fault drill on the test stack: dispatch and notify killed, Kafka killed and
restarted, under a steady load; every acknowledged case is dispatched once, has one
workflow and one receipt SMS, and every process runs again afterwards."""

from __future__ import annotations

import os

import pytest

from bench.chaos import drill
from bench.chaos.__main__ import api_key
from bench.chaos.faults import plan
from bench.chaos.verdict import failed, markdown
from tests.support import PROFILE, StackAddresses


# Three restarts and their probes under load: minutes on a shared machine.
@pytest.mark.timeout(900)
async def test_a_short_fault_drill_loses_and_doubles_nothing(stack: StackAddresses) -> None:
    faults = plan(["dispatch", "notify", "kafka"], hold=5, pause=20, away=30)
    settings = drill.Settings(PROFILE, faults, rate=2, warmup=5, settle=5, drain_timeout=180)
    outcome = await drill.run(settings, dict(os.environ), api_key(f"chaos-test-{os.getpid()}"))
    table = markdown(outcome.rows, outcome.facts)
    assert sum(r.acknowledged for r in outcome.rows) > 0, table
    assert failed(outcome.rows, outcome.facts) == [], table
