"""The escalation ladder of an assignment: who takes a case over at each tier above it."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.jurisdiction.directory import Directory
from services.dispatch.domain.model import Assignment, Tier
from services.dispatch.domain.routing import RoutingPolicy

SUPERVISION = "supervision"


@dataclass(frozen=True, slots=True)
class LadderStep:
    """One rung: the tier and the unit that holds the case there."""

    tier: str
    unit_id: str
    unit_name: str


def escalation_ladder(
    assignment: Assignment, topic: str, directory: Directory, policy: RoutingPolicy
) -> tuple[LadderStep, ...]:
    """From the assigned unit up: village (from a grid), township, district lead department,
    then 督办 at the centre.

    A breach moves a case one rung up (小事不出网格、大事不出村、难事不出乡镇: nothing
    goes up without one), so the ladder starts at the assigned tier, never above it.
    """
    location = directory.locate(grid_code=assignment.grid_code, address=None)
    district = location.district if location else directory.default_district
    centre = directory.dispatch_centre(district.id)
    steps = [LadderStep(assignment.tier.value, assignment.unit_id, assignment.unit_name)]
    if assignment.tier is Tier.GRID and location and location.village:
        village = directory.handling_unit(location.village.id)
        steps.append(LadderStep(Tier.VILLAGE.value, village.id, village.name))
    if assignment.tier in (Tier.GRID, Tier.VILLAGE) and location and location.township:
        township = directory.handling_unit(location.township.id)
        steps.append(LadderStep(Tier.TOWNSHIP.value, township.id, township.name))
    if assignment.tier is not Tier.DISTRICT:
        rule = policy.departments.get(topic)
        lead = directory.department(district.id, rule.lead) if rule else None
        head = lead or centre
        steps.append(LadderStep(Tier.DISTRICT.value, head.id, head.name))
    steps.append(LadderStep(SUPERVISION, centre.id, centre.name))
    return tuple(steps)
