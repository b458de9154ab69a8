"""The escalation bench's figures: cases whose workflow started after their deadline are
counted apart, so the lag over open cases is the announcements' alone."""

from bench.harness.escalation import EscalationResult


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
