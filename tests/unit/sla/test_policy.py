"""Loading and validating SLA policy files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.sla.domain import (
    DEFAULT_POLICY_PATH,
    POLICY_ENV_VAR,
    Duration,
    PolicyError,
    Tier,
    WorkingCalendar,
    load_policy,
)

DRILL_POLICY = Path(__file__).resolve().parents[3] / "deploy" / "sla" / "drill.yaml"
Doc = dict[str, Any]


def default_doc() -> Doc:
    doc: Doc = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    doc["calendar"].pop("holiday_file")  # keep temp copies self-contained
    return doc


def write(tmp_path: Path, doc: Doc) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_default_policy_holds_the_design_defaults() -> None:
    p = load_policy(DEFAULT_POLICY_PATH)
    assert p.timezone == "Asia/Shanghai"
    assert p.calendar.mode == "statutory"
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in p.calendar.office_hours] == [
        ("09:00", "12:00"),
        ("13:30", "18:00"),
    ]
    assert p.calendar.holiday_file == DEFAULT_POLICY_PATH.parent / "holidays.yaml"
    simple, general = p.difficulties["simple"], p.difficulties["general"]
    complex_, legacy = p.difficulties["complex"], p.difficulties["legacy"]
    assert (simple.tier, simple.accept, simple.resolve) == (
        Tier.VILLAGE,
        Duration(2, "working_hours"),
        Duration(1, "working_days"),
    )
    assert (general.tier, general.accept, general.resolve) == (
        Tier.TOWNSHIP,
        Duration(4, "working_hours"),
        Duration(5, "working_days"),
    )
    assert (complex_.tier, complex_.accept, complex_.resolve) == (
        Tier.DISTRICT,
        Duration(1, "working_days"),
        Duration(15, "working_days"),
    )
    assert (legacy.resolve, legacy.progress_report_every) == (
        Duration(30, "working_days"),
        Duration(7, "days"),
    )
    assert simple.progress_report_every is None
    assert (p.urgent.accept, p.urgent.resolve) == (Duration(30, "minutes"), Duration(2, "hours"))
    assert p.yellow_ratio == 0.75
    assert p.ladder == (Tier.GRID, Tier.VILLAGE, Tier.TOWNSHIP, Tier.DISTRICT, Tier.SUPERVISION)
    assert (p.extension.max_count, p.extension.max_total) == (2, Duration(10, "working_days"))
    assert p.reopen_limit == 2
    assert (p.callback.window, p.callback.attempts) == (Duration(3, "working_days"), 3)
    assert (p.bounce.window, p.bounce.max_bounces) == (Duration(2, "working_hours"), 2)


def test_policy_is_immutable() -> None:
    p = load_policy(DEFAULT_POLICY_PATH)
    with pytest.raises(AttributeError):
        p.yellow_ratio = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.difficulties["simple"] = p.difficulties["general"]  # type: ignore[index]


def test_env_var_selects_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(POLICY_ENV_VAR, str(DRILL_POLICY))
    assert load_policy().calendar.mode == "calendar_days"
    monkeypatch.delenv(POLICY_ENV_VAR)
    assert load_policy().calendar.mode == "statutory"


def test_explicit_path_wins_over_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(POLICY_ENV_VAR, "/nonexistent/policy.yaml")
    assert load_policy(DRILL_POLICY).difficulties["simple"].accept == Duration(20, "seconds")


def test_drill_policy_loads_with_seconds() -> None:
    p = load_policy(DRILL_POLICY)
    assert p.calendar.mode == "calendar_days"
    assert p.calendar.holiday_file is None
    for rules in p.difficulties.values():
        assert rules.accept.unit == rules.resolve.unit == "seconds"
    assert (p.urgent.accept, p.urgent.resolve) == (Duration(10, "seconds"), Duration(30, "seconds"))
    WorkingCalendar.from_policy(p)


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    *parents, leaf = path.split(".")

    def mutate(doc: Doc) -> None:
        node = doc
        for key in parents:
            node = node[key]
        node[leaf] = value

    return mutate


def _drop(path: str) -> Callable[[Doc], None]:
    *parents, leaf = path.split(".")

    def mutate(doc: Doc) -> None:
        node = doc
        for key in parents:
            node = node[key]
        del node[leaf]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set("difficulties.simple.accept", {"working_hour": 2}), "difficulties.simple.accept:"),
        (
            _set("difficulties.simple.accept", {"hours": 1, "minutes": 5}),
            "difficulties.simple.accept:",
        ),
        (
            _set("difficulties.simple.accept", {"working_hours": -1}),
            "difficulties.simple.accept.working_hours",
        ),
        (
            _set("difficulties.general.resolve", {"working_days": "five"}),
            "difficulties.general.resolve.working_days",
        ),
        (_set("difficulties.simple.tier", "city"), "difficulties.simple.tier"),
        (
            _set("difficulties.legacy.progress_report_every", {"working_days": 5}),
            "difficulties.legacy.progress_report_every",
        ),
        (_set("difficulties.simple.resolv", {"days": 1}), "difficulties.simple.resolv"),
        (_drop("difficulties.legacy"), "difficulties.legacy: missing"),
        (_drop("difficulties.complex.resolve"), "difficulties.complex.resolve: missing"),
        (_drop("urgent"), "urgent: missing"),
        (_set("urgent.accept", 30), "urgent.accept"),
        (_set("yellow_ratio", 1.5), "yellow_ratio"),
        (_set("yellow_ratio", True), "yellow_ratio"),
        (_set("yelow_ratio", 0.5), "yelow_ratio: unknown key"),
        (_set("ladder", ["village", "county"]), r"ladder\[1\]"),
        (_set("ladder", ["district", "village"]), r"ladder\[1\]"),
        (_set("ladder", []), "ladder"),
        (_set("calendar.mode", "lunar"), "calendar.mode"),
        (_set("calendar.office_hours", [["12:00", "09:00"]]), r"calendar.office_hours\[0\]"),
        (
            _set("calendar.office_hours", [["09:00", "12:00"], ["11:00", "18:00"]]),
            r"calendar.office_hours\[1\]",
        ),
        (_set("calendar.office_hours", [["9am", "12:00"]]), r"calendar.office_hours\[0\]"),
        (_set("calendar.holiday_file", 42), "calendar.holiday_file"),
        (_set("timezone", "Mars/Olympus_Mons"), "timezone"),
        (_set("extension.max_count", "two"), "extension.max_count"),
        (_drop("extension.max_total"), "extension.max_total: missing"),
        (_set("reopen_limit", -1), "reopen_limit"),
        (_set("callback.attempts", 0), "callback.attempts"),
        (_set("bounce.window", None), "bounce.window"),
        (_set("bounce.max_bounces", 2.5), "bounce.max_bounces"),
    ],
)
def test_invalid_policy_names_the_key(
    tmp_path: Path, mutate: Callable[[Doc], None], message: str
) -> None:
    doc = copy.deepcopy(default_doc())
    mutate(doc)
    path = write(tmp_path, doc)
    with pytest.raises(PolicyError, match=message) as info:
        load_policy(path)
    assert str(path) in str(info.value)


def test_unquoted_office_hours_are_rejected(tmp_path: Path) -> None:
    # YAML 1.1 reads 13:30 as the base-60 integer 810.
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace('"13:30"', "13:30")
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    (path.parent / "holidays.yaml").write_text("years: {}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"calendar.office_hours\[1\].*810"):
        load_policy(path)


def test_broken_yaml_is_a_policy_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("timezone: [Asia/Shanghai\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(path)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")


def test_missing_holiday_file_fails_when_the_calendar_is_built(tmp_path: Path) -> None:
    doc = default_doc()
    doc["calendar"]["holiday_file"] = "no-such-holidays.yaml"
    policy = load_policy(write(tmp_path, doc))
    with pytest.raises(PolicyError, match=r"no-such-holidays\.yaml"):
        WorkingCalendar.from_policy(policy)


def test_duration_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Duration(-1, "hours")
    with pytest.raises(ValueError):
        Duration(1, "fortnights")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Duration(1, "working_days").as_timedelta()
