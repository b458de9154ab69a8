"""Deadlines per difficulty, urgent override, SLA lights and the escalation ladder."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.sla.domain import (
    Light,
    SlaPolicy,
    Tier,
    WorkingCalendar,
    compute_deadlines,
    light_at,
    load_policy,
    next_tier,
    yellow_at,
)

SH = ZoneInfo("Asia/Shanghai")
DRILL_POLICY = Path(__file__).resolve().parents[3] / "deploy" / "sla" / "drill.yaml"


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(scope="module")
def policy() -> SlaPolicy:
    return load_policy()


@pytest.fixture
def cal(policy: SlaPolicy) -> WorkingCalendar:
    return WorkingCalendar.from_policy(policy)


def test_simple_case_on_an_ordinary_day(policy: SlaPolicy, cal: WorkingCalendar) -> None:
    d = compute_deadlines(policy, cal, difficulty="simple", urgent=False, start=sh(2026, 6, 9, 10))
    assert d.accept_due == sh(2026, 6, 9, 12)
    assert d.resolve_due == sh(2026, 6, 10, 10)
    assert d.accept_yellow_at == sh(2026, 6, 9, 11, 30)
    assert d.resolve_yellow_at == sh(2026, 6, 10, 4)  # 75 % of 24 wall-clock hours
    assert d.progress_every is None


def test_general_case_across_national_day_2026(policy: SlaPolicy, cal: WorkingCalendar) -> None:
    start = sh(2026, 9, 30, 10)
    d = compute_deadlines(policy, cal, difficulty="general", urgent=False, start=start)
    assert d.accept_due == sh(2026, 9, 30, 15, 30)  # 2 h before lunch, 2 h after
    # Oct 1-7 off; Oct 8, 9, 10 (make-up Saturday), 12, 13.
    assert d.resolve_due == sh(2026, 10, 13, 10)


def test_legacy_case_reports_progress_weekly(policy: SlaPolicy, cal: WorkingCalendar) -> None:
    d = compute_deadlines(policy, cal, difficulty="legacy", urgent=False, start=sh(2026, 6, 1, 10))
    assert d.progress_every == timedelta(days=7)
    # The 30th working day after Mon Jun 1; the Dragon Boat Festival (Fri Jun 19) is off.
    assert d.resolve_due == sh(2026, 7, 14, 10)


@pytest.mark.parametrize("difficulty", ["simple", "general", "complex", "legacy"])
def test_urgent_override_is_wall_clock_whatever_the_difficulty(
    policy: SlaPolicy, cal: WorkingCalendar, difficulty: str
) -> None:
    start = sh(2026, 10, 2, 22)  # a holiday night
    d = compute_deadlines(policy, cal, difficulty=difficulty, urgent=True, start=start)
    assert d.accept_due == start + timedelta(minutes=30)
    assert d.resolve_due == start + timedelta(hours=2)
    assert d.accept_yellow_at == start + timedelta(minutes=22, seconds=30)
    assert d.resolve_yellow_at == start + timedelta(minutes=90)


def test_urgent_never_lengthens_a_deadline(policy: SlaPolicy, cal: WorkingCalendar) -> None:
    # A policy whose urgent resolve (5 working days) is slower than simple's (1 working day).
    slow_urgent = dataclasses.replace(policy.urgent, resolve=policy.difficulties["general"].resolve)
    slow = dataclasses.replace(policy, urgent=slow_urgent)
    start = sh(2026, 6, 9, 10)
    plain = compute_deadlines(slow, cal, difficulty="simple", urgent=False, start=start)
    urgent = compute_deadlines(slow, cal, difficulty="simple", urgent=True, start=start)
    assert urgent.accept_due == start + timedelta(minutes=30)
    assert urgent.resolve_due == plain.resolve_due


def test_unknown_difficulty_is_a_clear_error(policy: SlaPolicy, cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="unknown difficulty 'hard'"):
        compute_deadlines(policy, cal, difficulty="hard", urgent=False, start=sh(2026, 6, 9))


def test_deadline_into_2027_does_not_raise(policy: SlaPolicy) -> None:
    cal = WorkingCalendar.from_policy(policy)
    start = sh(2026, 12, 15, 10)
    d = compute_deadlines(policy, cal, difficulty="complex", urgent=False, start=start)
    assert d.resolve_due == sh(2027, 1, 5, 10)
    assert cal.fallback_years == {2027}


START = sh(2026, 6, 9, 10)
DUE = START + timedelta(minutes=100)


@pytest.mark.parametrize(
    ("elapsed", "light"),
    [
        (timedelta(0), Light.GREEN),
        (timedelta(minutes=74), Light.GREEN),
        (timedelta(minutes=74, seconds=59), Light.GREEN),
        (timedelta(minutes=75), Light.YELLOW),
        (timedelta(minutes=99, seconds=59), Light.YELLOW),
        (timedelta(minutes=100), Light.RED),
        (timedelta(days=3), Light.RED),
    ],
)
def test_light(elapsed: timedelta, light: Light) -> None:
    assert light_at(START + elapsed, start=START, due=DUE, ratio=0.75) is light


def test_light_compares_instants_across_zones() -> None:
    now = (START + timedelta(minutes=80)).astimezone(ZoneInfo("UTC"))
    assert light_at(now, start=START, due=DUE, ratio=0.75) is Light.YELLOW


def test_yellow_at_is_a_wall_clock_fraction() -> None:
    assert yellow_at(START, DUE, 0.75) == START + timedelta(minutes=75)
    assert yellow_at(START, START, 0.75) == START


def test_drill_policy_gives_deadlines_of_seconds() -> None:
    drill = load_policy(DRILL_POLICY)
    cal = WorkingCalendar.from_policy(drill)
    start = sh(2026, 10, 3, 23, 59)  # a holiday night: the drill calendar is 24x7
    d = compute_deadlines(drill, cal, difficulty="simple", urgent=False, start=start)
    assert d.accept_due == start + timedelta(seconds=20)
    assert d.resolve_due == start + timedelta(seconds=60)
    assert d.accept_yellow_at == start + timedelta(seconds=15)
    assert d.resolve_yellow_at == start + timedelta(seconds=45)
    for difficulty in drill.difficulties:
        for urgent in (False, True):
            d = compute_deadlines(drill, cal, difficulty=difficulty, urgent=urgent, start=start)
            assert d.resolve_due - start <= timedelta(minutes=5)


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        (Tier.GRID, Tier.VILLAGE),
        (Tier.VILLAGE, Tier.TOWNSHIP),
        (Tier.TOWNSHIP, Tier.DISTRICT),
        (Tier.DISTRICT, Tier.SUPERVISION),
        (Tier.SUPERVISION, None),
    ],
)
def test_ladder(policy: SlaPolicy, tier: Tier, expected: Tier | None) -> None:
    assert next_tier(policy, tier) == expected


def test_ladder_skips_tiers_a_policy_leaves_out(policy: SlaPolicy) -> None:
    short = dataclasses.replace(policy, ladder=(Tier.TOWNSHIP, Tier.DISTRICT))
    assert next_tier(short, Tier.VILLAGE) is Tier.TOWNSHIP
    assert next_tier(short, Tier.DISTRICT) is None
