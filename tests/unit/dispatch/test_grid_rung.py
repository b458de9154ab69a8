"""小事不出网格: which cases start with the grid worker, and the ladder they then climb."""

from __future__ import annotations

import pytest

from services.dispatch.domain import (
    CaseText,
    Classifier,
    Directory,
    LadderStep,
    RoutingPolicy,
    Tier,
    escalation_ladder,
    route,
)
from services.dispatch.domain.ladder import SUPERVISION
from services.dispatch.domain.model import Classification, Difficulty
from services.dispatch.domain.routing import GridRule, RoutingPolicyError

GRID = LadderStep("grid", "G-D01-T01-V01-01", "柳岸社区第一网格")
VILLAGE = LadderStep("village", "U-D01-T01-V01", "柳岸社区居民委员会")
CENTRE_ID = "U-D01-DBZX"
PATROL = CaseText(
    title="路灯不亮",
    content="巡查发现柳岸路的路灯不亮了",
    address="柳岸路12号",
    grid_code="G-D01-T01-V01-01",
    channel="grid_patrol",
)
CALLED_IN = CaseText(title="路灯不亮", content="柳岸路的路灯不亮了", address="柳岸路12号")
SMALL_MATTER = CaseText(
    title="楼道堆物", content="柳岸花园3栋楼道堆物，影响通行", address="柳岸路柳岸花园3栋"
)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.from_file()


@pytest.fixture(scope="module")
def policy() -> RoutingPolicy:
    return RoutingPolicy.from_file()


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_file()


def test_a_patrol_report_starts_at_its_grid_and_climbs_through_the_village(
    classifier: Classifier, directory: Directory, policy: RoutingPolicy
) -> None:
    found = classifier.classify(PATROL)
    assignment = route(found, PATROL, directory, policy)
    assert found.difficulty.value == "simple"
    assert assignment.tier is Tier.GRID and not assignment.manual
    assert (assignment.unit_id, assignment.unit_name) == (GRID.unit_id, GRID.unit_name)
    assert any(r.startswith("小事不出网格：网格员巡查发现") for r in assignment.reasons)
    ladder = escalation_ladder(assignment, found.topic, directory, policy)
    assert [s.tier for s in ladder] == ["grid", "village", "township", "district", SUPERVISION]
    assert ladder[:2] == (GRID, VILLAGE)
    assert ladder[-1].unit_id == CENTRE_ID


def test_a_small_matter_the_policy_names_stays_in_the_grid_a_phone_call_does_not(
    classifier: Classifier, directory: Directory, policy: RoutingPolicy
) -> None:
    # Read as a simple matter of 城乡建设 (the classifier's part is tested elsewhere).
    simple = Classification("城乡建设", Difficulty.SIMPLE, False, False, 0.9, ())
    small = route(simple, SMALL_MATTER, directory, policy)
    assert small.tier is Tier.GRID
    assert any("网格事项「楼道堆物」" in r for r in small.reasons)
    called = route(classifier.classify(CALLED_IN), CALLED_IN, directory, policy)
    assert called.tier is Tier.VILLAGE and called.unit_id == VILLAGE.unit_id


def test_without_a_grid_section_nothing_starts_at_the_grid(
    classifier: Classifier, directory: Directory
) -> None:
    plain = RoutingPolicy.from_dict(
        {
            "tiers": {
                "simple": "village",
                "general": "township",
                "complex": "district",
                "legacy": "district",
            },
            "departments": {},
        }
    )
    assignment = route(classifier.classify(PATROL), PATROL, directory, plain)
    assert assignment.tier is Tier.VILLAGE


def test_the_grid_rule_keeps_only_its_difficulties() -> None:
    rule = GridRule.from_dict({"difficulties": ["simple"], "channels": ["grid_patrol"]})
    assert rule.why(Difficulty.SIMPLE, PATROL) == "网格员巡查发现"
    assert rule.why(Difficulty.GENERAL, PATROL) is None
    assert rule.why(Difficulty.SIMPLE, CALLED_IN) is None


@pytest.mark.parametrize(
    "section",
    [{"difficulties": ["tiny"]}, {"channels": "grid_patrol"}, {"places": []}, ["simple"]],
)
def test_a_malformed_grid_section_is_refused(section: object) -> None:
    with pytest.raises(RoutingPolicyError, match="grid"):
        GridRule.from_dict(section)


def test_every_grid_is_a_unit_of_the_grid_tier_in_its_village(directory: Directory) -> None:
    for grid in directory.grids:
        unit = directory.unit(grid.code)
        assert unit.tier is Tier.GRID and unit.area_id == grid.village_id
        # The village keeps its own handling unit.
        assert directory.handling_unit(grid.village_id).tier is Tier.VILLAGE
