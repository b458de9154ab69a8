"""Routing: difficulty -> tier -> unit in the jurisdiction directory, with reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.common.jurisdiction.directory import Directory
from services.dispatch.domain.model import (
    TOPICS,
    Assignment,
    CaseText,
    Classification,
    Difficulty,
    Location,
    Tier,
    Unit,
)

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "policy" / "routing.yaml"


class RoutingPolicyError(ValueError):
    """The routing policy file is malformed."""


@dataclass(frozen=True, slots=True)
class DepartmentRule:
    """District departments for one topic, by the keys the directory gives them."""

    lead: str
    co: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GridRule:
    """Which matters start at the grid (小事不出网格): of these difficulties, placed in a
    grid, and either from one of these channels or naming one of these small matters."""

    difficulties: frozenset[Difficulty] = frozenset()
    channels: frozenset[str] = frozenset()
    matters: tuple[str, ...] = ()

    def why(self, difficulty: Difficulty, case: CaseText) -> str | None:
        """Why the case stays in its grid (a Chinese phrase), or None when it does not."""
        if difficulty not in self.difficulties:
            return None
        if case.channel and case.channel in self.channels:
            return "网格员巡查发现"
        text = f"{case.title}\n{case.content}"
        hit = next((m for m in self.matters if m in text), None)
        return f"网格事项「{hit}」" if hit else None

    @classmethod
    def from_dict(cls, data: object) -> GridRule:
        """The `grid` section of the routing policy (absent: nothing starts at the grid)."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise RoutingPolicyError("'grid' must map difficulties, channels and matters")
        if unknown := set(data) - {"difficulties", "channels", "matters"}:
            raise RoutingPolicyError(f"grid: unknown keys {sorted(unknown)}")
        lists = {}
        for key in ("difficulties", "channels", "matters"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RoutingPolicyError(f"grid.{key}: must be a list of words")
            lists[key] = value
        try:
            difficulties = frozenset(Difficulty(d) for d in lists["difficulties"])
        except ValueError as exc:
            raise RoutingPolicyError(f"grid.difficulties: {exc}") from exc
        return cls(difficulties, frozenset(lists["channels"]), tuple(lists["matters"]))


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """Which tier takes each difficulty, which departments take each topic."""

    tiers: Mapping[Difficulty, Tier]
    departments: Mapping[str, DepartmentRule]
    manual_below_confidence: float = 0.5
    grid: GridRule = GridRule()

    @classmethod
    def from_file(cls, path: Path | None = None) -> RoutingPolicy:
        """Load a routing policy YAML file (default: policy/routing.yaml)."""
        path = path or DEFAULT_PATH
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise RoutingPolicyError(f"{path}: top level must be a mapping")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoutingPolicy:
        """Build a policy from already-parsed YAML data, checking every value."""
        raw_tiers = data.get("tiers")
        if not isinstance(raw_tiers, dict):
            raise RoutingPolicyError("'tiers' must map each difficulty to a tier")
        try:
            tiers = {Difficulty(k): Tier(v) for k, v in raw_tiers.items()}
        except ValueError as exc:
            raise RoutingPolicyError(f"tiers: {exc}") from exc
        if missing := set(Difficulty) - set(tiers):
            raise RoutingPolicyError(f"tiers: no tier for {sorted(missing)}")
        raw_departments = data.get("departments")
        if not isinstance(raw_departments, dict):
            raise RoutingPolicyError("'departments' must map each topic to lead/co keys")
        departments = {}
        for topic, rule in raw_departments.items():
            if topic not in TOPICS:
                raise RoutingPolicyError(f"departments: unknown topic '{topic}'")
            if not isinstance(rule, dict) or not isinstance(rule.get("lead"), str):
                raise RoutingPolicyError(f"departments.{topic}: needs a 'lead' department key")
            co = rule.get("co") or []
            if not isinstance(co, list) or not all(isinstance(c, str) for c in co):
                raise RoutingPolicyError(f"departments.{topic}: 'co' must be a list of keys")
            departments[topic] = DepartmentRule(rule["lead"], tuple(co))
        threshold = data.get("manual_below_confidence", 0.5)
        if not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
            raise RoutingPolicyError("'manual_below_confidence' must be a number in 0..1")
        return cls(
            tiers=tiers,
            departments=departments,
            manual_below_confidence=float(threshold),
            grid=GridRule.from_dict(data.get("grid")),
        )


def route(
    classification: Classification, case: CaseText, directory: Directory, policy: RoutingPolicy
) -> Assignment:
    """Choose the unit for a classified case; every step leaves a Chinese reason."""
    difficulty = classification.difficulty
    tier = policy.tiers[difficulty]
    reasons = [f"派单规则：{difficulty.label}事项由{tier.label}办理"]
    if classification.major:
        tier = Tier.DISTRICT
        reasons.append("重大疑难：区领导督办")
    location = _locate(case, directory, reasons)
    grid = location.grid if location else None
    why = policy.grid.why(difficulty, case) if tier is Tier.VILLAGE and grid else None
    if why and grid is not None:
        tier = Tier.GRID
        reasons.append(f"小事不出网格：{why}，由{grid.name}网格员办理")
    district = location.district if location else directory.default_district
    centre = directory.dispatch_centre(district.id)
    grid_code = location.grid.code if location and location.grid else None
    manual = False
    co_units: list[Unit] = []
    if tier is Tier.DISTRICT:
        rule = policy.departments.get(classification.topic)
        lead = directory.department(district.id, rule.lead) if rule else None
        if lead is None:
            unit, manual = centre, True
            reasons.append(f"主题「{classification.topic}」未配置区级牵头部门，转人工派单")
        else:
            unit = lead
            reasons.append(f"区级牵头：{lead.name}（主题「{classification.topic}」）")
        if location and location.township:
            co_units.append(directory.handling_unit(location.township.id))
        for key in rule.co if rule else ():
            if (department := directory.department(district.id, key)) is not None:
                co_units.append(department)
        if classification.major:
            co_units.append(centre)
    else:
        area = None
        if location:
            area = location.village if tier is Tier.VILLAGE else location.township
        if tier is Tier.GRID and grid is not None:
            unit = directory.unit(grid.code)
        elif area is None:
            unit, manual = centre, True
            reasons.append("未能定位网格，转人工派单")
        else:
            unit = directory.handling_unit(area.id)
            reasons.append(f"{tier.label}承办：{unit.name}")
    co_ids = tuple(dict.fromkeys(u.id for u in co_units if u.id != unit.id))
    if co_ids:
        names = "、".join(directory.unit(i).name for i in co_ids)
        reasons.append(f"协办单位：{names}")
    threshold = policy.manual_below_confidence
    if classification.confidence < threshold:
        manual = True
        reasons.append(
            f"主题置信度 {classification.confidence:.2f} 低于阈值 {threshold:.2f}，"
            f"转人工派单（建议派至{unit.name}）"
        )
    return Assignment(
        unit_id=unit.id,
        unit_name=unit.name,
        tier=tier,
        grid_code=grid_code,
        co_unit_ids=co_ids,
        manual=manual,
        reasons=tuple(reasons),
    )


def _locate(case: CaseText, directory: Directory, reasons: list[str]) -> Location | None:
    """Place the case by grid code, coordinates or address, else by places in its text."""
    if case.grid_code and directory.grid(case.grid_code) is None:
        reasons.append(f"网格编码 {case.grid_code} 不在目录中，改按地址定位")
    point = (
        (case.latitude, case.longitude)
        if case.latitude is not None and case.longitude is not None
        else None
    )
    location = directory.locate(grid_code=case.grid_code, address=case.address, point=point)
    by_code = bool(case.grid_code and directory.grid(case.grid_code))
    if point is not None and not by_code and (location is None or "坐标" not in location.matched):
        reasons.append("坐标不在任何网格范围内，改按地址定位")
    source = "网格定位"
    if location is None or location.grid is None:
        from_text = directory.locate(grid_code=None, address=f"{case.title}\n{case.content}")
        if from_text is not None and (location is None or from_text.grid is not None):
            location, source = from_text, "从诉求内容定位"
    if location is None:
        return None
    if location.grid is not None:
        reasons.append(f"{source}：{location.grid.name}（依据 {location.matched}）")
    else:
        reasons.append(
            f"{source}：仅定位到{location.township.name if location.township else ''}"
            f"（依据 {location.matched}），未能确定网格"
        )
    return location


def explain(classification: Classification, assignment: Assignment) -> str:
    """The decision in one Chinese paragraph: topic, difficulty, tier and unit.

    Its grounds are the case's reasons (classification's, then routing's), which every
    reader shows as a list, one line each: the paragraph does not repeat them."""
    flags = []
    if classification.urgent:
        flags.append("紧急")
    if classification.major:
        flags.append("重大疑难")
    flag_text = f"，标记为{'、'.join(flags)}" if flags else ""
    where = f"（网格 {assignment.grid_code}）" if assignment.grid_code else ""
    co = f"，另有 {len(assignment.co_unit_ids)} 家协办单位" if assignment.co_unit_ids else ""
    # A case for the manual queue waits at the 12345 centre, which handles nothing itself:
    # the paragraph says no unit was found rather than naming the centre as a suggestion.
    placed = (
        "未能自动确定承办单位，转人工派单确认。"
        if assignment.manual
        else f"按{assignment.tier.label}办理，派至「{assignment.unit_name}」{where}{co}。"
    )
    return (
        f"该诉求归入「{classification.topic}」类（置信度 {classification.confidence:.2f}），"
        f"难度为「{classification.difficulty.label}」{flag_text}。{placed}"
    )


def summary_of(explanation: str) -> str:
    """The first decision's paragraph of an explanation, without the grounds that older
    explanations repeated inline (判定依据：…): what a re-dispatch cites as 原判定."""
    first = explanation.rsplit("原判定：", 1)[-1]
    return first.partition("判定依据：")[0].strip()
