"""The escalation bench's figures: cases whose workflow started after their deadline are
counted apart, so the lag over open cases is the announcements' alone."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.harness.escalation import (
    ACCEPT,
    DRILL,
    YELLOW_RATIO,
    EscalationResult,
    burst_policy,
    dispatch_times,
)
from services.sla.domain.policy import Duration, load_policy


def test_late_starts_are_counted_apart_from_open_cases() -> None:
    lags = {f"c{i}": 0.5 for i in range(98)} | {"late1": 40.0, "late2": 80.0}
    r = EscalationResult.of(100, 60.0, lags, {"late1", "late2", "never-breached"}, 12.34)
    assert r.breaches == 100
    assert r.late_starts == 2
    assert r.p99_s == 80.0
    assert r.max_s == 80.0
    assert r.open_p50_s == 0.5
    assert r.open_p99_s == 0.5
    assert r.started_in_s == 12.3


def test_a_run_without_breaches_reports_zeros() -> None:
    r = EscalationResult.of(10, 60.0, {}, set(), 0.0)
    assert (r.breaches, r.p99_s, r.max_s, r.open_p99_s, r.late_starts) == (0, 0.0, 0.0, 0.0, 0)


def test_every_dispatch_lies_in_the_past_and_every_deadline_in_the_window() -> None:
    # sla counts from a dispatch time only once it has passed: one dated ahead would put
    # the deadline ACCEPT after the workflow's start, wherever the run meant it to fall.
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    times = dispatch_times(10_000, now, lead=1250.0, window=60.0)
    assert max(times) < now
    dues = [t + ACCEPT for t in times]
    assert min(dues) == now + timedelta(seconds=1250)
    assert max(dues) < now + timedelta(seconds=1310)


def test_a_lead_past_the_yellow_is_refused() -> None:
    with pytest.raises(ValueError, match="lead"):
        dispatch_times(
            10, datetime.now(UTC), lead=ACCEPT.total_seconds() * YELLOW_RATIO, window=1.0
        )


def test_the_burst_policy_is_the_drill_policy_with_an_hour_to_accept(tmp_path: Path) -> None:
    written = burst_policy(DRILL, tmp_path / "burst.yaml")
    policy = load_policy(written)
    drill = load_policy(DRILL)
    simple = policy.difficulties["simple"]
    assert simple.accept == Duration(int(ACCEPT.total_seconds()), "seconds")
    assert policy.yellow_ratio == YELLOW_RATIO
    assert policy.ladder == drill.ladder
    assert policy.difficulties["general"] == drill.difficulties["general"]
