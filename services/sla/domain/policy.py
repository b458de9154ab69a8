"""SLA policy: deadlines, calendar and limits, loaded from a YAML file.

The policy is data, so a city can change a deadline without touching code.
Every problem in a file is reported as a PolicyError naming the offending key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

POLICY_ENV_VAR = "MINHU_SLA_POLICY"
DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "policy" / "default.yaml"
DIFFICULTIES = ("simple", "general", "complex", "legacy")

Unit = Literal["seconds", "minutes", "hours", "working_hours", "working_days", "days"]
CalendarMode = Literal["statutory", "calendar_days"]
UNITS: tuple[Unit, ...] = get_args(Unit)
WORKING_UNITS: frozenset[Unit] = frozenset({"working_hours", "working_days"})
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(18, 0)),
)
_TOP_KEYS = {"timezone", "calendar", "difficulties", "urgent", "yellow_ratio", "ladder"}
_TOP_KEYS |= {"extension", "reopen_limit", "callback", "bounce"}
_TOP_KEYS |= {"joint_part"}
_WALL_CLOCK_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


class PolicyError(ValueError):
    """An SLA policy or holiday file is missing, malformed or inconsistent."""


class Tier(StrEnum):
    """Administrative level a case sits at; declaration order is the ladder order."""

    GRID = "grid"  # 网格: 小事不出网格
    VILLAGE = "village"
    TOWNSHIP = "township"
    DISTRICT = "district"
    SUPERVISION = "supervision"


@dataclass(frozen=True)
class Duration:
    """An amount of wall-clock or working time."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"duration amount must be a non-negative integer: {self.amount!r}")
        if self.unit not in UNITS:
            raise ValueError(f"unknown duration unit {self.unit!r}; expected one of {UNITS}")

    @property
    def is_working_time(self) -> bool:
        """True when the duration counts only office hours on working days."""
        return self.unit in WORKING_UNITS

    def as_timedelta(self) -> timedelta:
        """The wall-clock length; working units have none without a calendar."""
        if self.unit in WORKING_UNITS:
            raise ValueError(f"{self.unit} needs a working calendar, not a timedelta")
        return timedelta(seconds=self.amount * _WALL_CLOCK_SECONDS[self.unit])


@dataclass(frozen=True)
class CalendarPolicy:
    mode: CalendarMode
    office_hours: tuple[tuple[time, time], ...]
    # Operator file for years the statutory calendar package does not know yet.
    holiday_file: Path | None


@dataclass(frozen=True)
class DifficultyPolicy:
    tier: Tier
    accept: Duration
    resolve: Duration
    progress_report_every: Duration | None


@dataclass(frozen=True)
class UrgentPolicy:
    accept: Duration
    resolve: Duration


@dataclass(frozen=True)
class ExtensionPolicy:
    max_count: int
    max_total: Duration


@dataclass(frozen=True)
class CallbackPolicy:
    window: Duration
    attempts: int


@dataclass(frozen=True)
class BouncePolicy:
    window: Duration
    max_bounces: int


@dataclass(frozen=True)
class PartPolicy:
    """Deadlines of a co-unit's part of a joint case (联动办), counted from its dispatch."""

    accept: Duration
    resolve: Duration


@dataclass(frozen=True)
class SlaPolicy:
    timezone: str
    calendar: CalendarPolicy
    difficulties: Mapping[str, DifficultyPolicy]
    urgent: UrgentPolicy
    yellow_ratio: float
    ladder: tuple[Tier, ...]
    extension: ExtensionPolicy
    reopen_limit: int
    callback: CallbackPolicy
    bounce: BouncePolicy
    # Optional in a policy file: without it a part runs on the case's own difficulty.
    joint_part: PartPolicy | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The zone office hours and calendar days are read in."""
        return ZoneInfo(self.timezone)


def load_policy(path: Path | None = None) -> SlaPolicy:
    """Load the policy at `path`, else at $MINHU_SLA_POLICY, else the default."""
    if path is None:
        env = os.environ.get(POLICY_ENV_VAR, "").strip()
        path = Path(env) if env else DEFAULT_POLICY_PATH
    try:
        return parse_policy(read_yaml(path), base_dir=path.parent)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None


def parse_policy(data: object, *, base_dir: Path) -> SlaPolicy:
    """Validate an already-parsed policy document; relative paths resolve against base_dir."""
    root = _mapping(data, "policy")
    _only(root, "", _TOP_KEYS)
    timezone = _get(root, "", "timezone")
    if not isinstance(timezone, str):
        raise PolicyError("timezone: expected a zone name such as Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"timezone: unknown zone {timezone!r}") from None
    diffs = _mapping(_get(root, "", "difficulties"), "difficulties")
    _only(diffs, "difficulties", set(DIFFICULTIES))
    urgent = _section(root, "urgent", {"accept", "resolve"})
    ratio = _get(root, "", "yellow_ratio")
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio < 1:
        raise PolicyError(f"yellow_ratio: expected a number between 0 and 1, got {ratio!r}")
    ext = _section(root, "extension", {"max_count", "max_total"})
    cb = _section(root, "callback", {"window", "attempts"})
    bounce = _section(root, "bounce", {"window", "max_bounces"})
    return SlaPolicy(
        timezone=timezone,
        calendar=_calendar(_get(root, "", "calendar"), base_dir),
        difficulties=MappingProxyType(
            {name: _difficulty(_get(diffs, "difficulties", name), name) for name in DIFFICULTIES}
        ),
        urgent=UrgentPolicy(
            accept=_duration(_get(urgent, "urgent", "accept"), "urgent.accept"),
            resolve=_duration(_get(urgent, "urgent", "resolve"), "urgent.resolve"),
        ),
        yellow_ratio=float(ratio),
        ladder=_ladder(_get(root, "", "ladder")),
        extension=ExtensionPolicy(
            max_count=_count(_get(ext, "extension", "max_count"), "extension.max_count"),
            max_total=_duration(_get(ext, "extension", "max_total"), "extension.max_total"),
        ),
        reopen_limit=_count(_get(root, "", "reopen_limit"), "reopen_limit"),
        callback=CallbackPolicy(
            window=_duration(_get(cb, "callback", "window"), "callback.window"),
            attempts=_count(_get(cb, "callback", "attempts"), "callback.attempts", minimum=1),
        ),
        bounce=BouncePolicy(
            window=_duration(_get(bounce, "bounce", "window"), "bounce.window"),
            max_bounces=_count(_get(bounce, "bounce", "max_bounces"), "bounce.max_bounces"),
        ),
        joint_part=_part(root.get("joint_part")),
    )


def _part(raw: object) -> PartPolicy | None:
    if raw is None:
        return None
    spec = _mapping(raw, "joint_part")
    _only(spec, "joint_part", {"accept", "resolve"})
    return PartPolicy(
        accept=_duration(_get(spec, "joint_part", "accept"), "joint_part.accept"),
        resolve=_duration(_get(spec, "joint_part", "resolve"), "joint_part.resolve"),
    )


def read_yaml(path: Path) -> object:
    """Parse a YAML file, turning I/O and syntax failures into PolicyError."""
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except OSError as exc:
        raise PolicyError(f"cannot read: {exc.strerror or exc}") from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date such as 02-30
        raise PolicyError(f"not valid YAML: {exc}") from None


def _calendar(raw: object, base_dir: Path) -> CalendarPolicy:
    cal = _mapping(raw, "calendar")
    _only(cal, "calendar", {"mode", "office_hours", "holiday_file"})
    mode = _get(cal, "calendar", "mode")
    if mode not in get_args(CalendarMode):
        raise PolicyError(
            f"calendar.mode: expected one of {', '.join(get_args(CalendarMode))}, got {mode!r}"
        )
    office_hours = _office_hours(cal.get("office_hours"))
    holiday_file = cal.get("holiday_file")
    if holiday_file is not None and not isinstance(holiday_file, str):
        raise PolicyError("calendar.holiday_file: expected a file path")
    return CalendarPolicy(
        mode=cast(CalendarMode, mode),
        office_hours=office_hours,
        # Relative to the policy file, so a policy and its holiday file travel together.
        holiday_file=base_dir / Path(holiday_file).expanduser() if holiday_file else None,
    )


def _office_hours(raw: object) -> tuple[tuple[time, time], ...]:
    if raw is None:
        return DEFAULT_OFFICE_HOURS
    key = "calendar.office_hours"
    if not isinstance(raw, list) or not raw:
        raise PolicyError(f'{key}: expected a list of ["HH:MM", "HH:MM"] pairs')
    spans: list[tuple[time, time]] = []
    for i, pair in enumerate(raw):
        if not isinstance(pair, list) or len(pair) != 2:
            raise PolicyError(f'{key}[{i}]: expected ["HH:MM", "HH:MM"], got {pair!r}')
        start, end = (_clock(v, f"{key}[{i}]") for v in pair)
        if start >= end:
            raise PolicyError(f"{key}[{i}]: {start:%H:%M} is not before {end:%H:%M}")
        if spans and start < spans[-1][1]:
            raise PolicyError(f"{key}[{i}]: overlaps or precedes the previous span")
        spans.append((start, end))
    return tuple(spans)


def _clock(raw: object, key: str) -> time:
    try:
        # YAML 1.1 reads an unquoted 13:30 as the base-60 integer 810; require strings.
        if not isinstance(raw, str):
            raise ValueError
        hh, mm = raw.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise PolicyError(f'{key}: expected a quoted "HH:MM" time, got {raw!r}') from None


def _difficulty(raw: object, name: str) -> DifficultyPolicy:
    key = f"difficulties.{name}"
    spec = _mapping(raw, key)
    _only(spec, key, {"tier", "accept", "resolve", "progress_report_every"})
    tier = _get(spec, key, "tier")
    if tier not in Tier.__members__.values():
        raise PolicyError(f"{key}.tier: expected one of {', '.join(Tier)}, got {tier!r}")
    progress = None
    if spec.get("progress_report_every") is not None:
        progress = _duration(spec["progress_report_every"], f"{key}.progress_report_every")
        if progress.is_working_time:
            raise PolicyError(f"{key}.progress_report_every: use seconds/minutes/hours/days")
    return DifficultyPolicy(
        tier=Tier(tier),
        accept=_duration(_get(spec, key, "accept"), f"{key}.accept"),
        resolve=_duration(_get(spec, key, "resolve"), f"{key}.resolve"),
        progress_report_every=progress,
    )


def _duration(raw: object, key: str) -> Duration:
    spec = _mapping(raw, key)
    if len(spec) != 1 or next(iter(spec)) not in UNITS:
        raise PolicyError(f"{key}: expected exactly one of {', '.join(UNITS)}, got {dict(spec)!r}")
    unit, amount = next(iter(spec.items()))
    return Duration(amount=_count(amount, f"{key}.{unit}", minimum=1), unit=cast(Unit, unit))


def _ladder(raw: object) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError(f"ladder: expected a list of tiers from {', '.join(Tier)}")
    order = list(Tier)
    tiers: list[Tier] = []
    for i, value in enumerate(raw):
        if value not in Tier.__members__.values():
            raise PolicyError(f"ladder[{i}]: unknown tier {value!r}")
        tier = Tier(value)
        if tiers and order.index(tier) <= order.index(tiers[-1]):
            raise PolicyError(f"ladder[{i}]: {tier} must come above {tiers[-1]}")
        tiers.append(tier)
    return tuple(tiers)


def _count(raw: object, key: str, *, minimum: int = 0) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise PolicyError(f"{key}: expected an integer >= {minimum}, got {raw!r}")
    return raw


def _section(root: Mapping[str, Any], name: str, keys: set[str]) -> Mapping[str, Any]:
    section = _mapping(_get(root, "", name), name)
    _only(section, name, keys)
    return section


def _mapping(raw: object, key: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{key}: expected a mapping, got {type(raw).__name__}")
    return cast(Mapping[str, Any], raw)


def _get(section: Mapping[str, Any], prefix: str, name: str) -> Any:
    if name not in section:
        raise PolicyError(f"{_join(prefix, name)}: missing")
    return section[name]


def _only(section: Mapping[str, Any], prefix: str, allowed: set[str]) -> None:
    for name in section:
        if name not in allowed:
            raise PolicyError(
                f"{_join(prefix, str(name))}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name
