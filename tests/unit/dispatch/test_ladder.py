import pytest

from services.common.jurisdiction.directory import DISPATCH_CENTRE
from services.dispatch.domain import (
    Assignment,
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

VILLAGE = LadderStep("village", "U-D01-T01-V01", "柳岸社区居民委员会")
TOWNSHIP = LadderStep("township", "U-D01-T01", "湖滨街道综合执法和便民服务中心")
DISTRICT = LadderStep("district", "U-D01-ZJJ", "明湖区住房和城乡建设局")
CENTRE = LadderStep(SUPERVISION, "U-D01-DBZX", "明湖区12345督办中心")

STREET_LIGHT = CaseText(title="路灯不亮", content="柳岸路的路灯不亮了", address="柳岸路12号")
PROPERTY = CaseText(title="房屋漏雨", content="楼顶房屋漏雨，物业不维修", address="柳岸路8号")
# A full account: a one-line mention of a violation is not yet a joint matter.
ILLEGAL_BUILDING = CaseText(
    title="违章建筑",
    content="柳岸路12号一楼商户在人行道上私搭乱建彩钢棚，占用消防通道，涉及多个部门。"
    "城管说要规划部门先认定，规划部门说由街道牵头，几个部门相互推诿，"
    "现在彩钢棚越搭越大，居民出行和消防安全都受到影响，请联合执法拆除。",
    address="柳岸路12号",
)
UNPAID_WAGES = CaseText(title="欠薪", content="公司拖欠工资")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.from_file()


@pytest.fixture(scope="module")
def policy() -> RoutingPolicy:
    return RoutingPolicy.from_file()


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_file()


def dispatch(
    case: CaseText, classifier: Classifier, directory: Directory, policy: RoutingPolicy
) -> tuple[Assignment, tuple[LadderStep, ...]]:
    """Route a case the way the dispatch service does and build its ladder."""
    classification = classifier.classify(case)
    assignment = route(classification, case, directory, policy)
    return assignment, escalation_ladder(assignment, classification.topic, directory, policy)


def test_a_village_case_climbs_every_tier(
    classifier: Classifier, directory: Directory, policy: RoutingPolicy
) -> None:
    assignment, ladder = dispatch(STREET_LIGHT, classifier, directory, policy)

    assert assignment.tier is Tier.VILLAGE
    assert assignment.grid_code == "G-D01-T01-V01-01"
    assert ladder == (VILLAGE, TOWNSHIP, DISTRICT, CENTRE)


def test_a_township_case_starts_at_the_township(
    classifier: Classifier, directory: Directory, policy: RoutingPolicy
) -> None:
    assignment, ladder = dispatch(PROPERTY, classifier, directory, policy)

    assert assignment.tier is Tier.TOWNSHIP
    assert ladder == (TOWNSHIP, DISTRICT, CENTRE)


def test_a_district_case_goes_straight_to_supervision(
    classifier: Classifier, directory: Directory, policy: RoutingPolicy
) -> None:
    assignment, ladder = dispatch(ILLEGAL_BUILDING, classifier, directory, policy)

    assert assignment.tier is Tier.DISTRICT
    assert ladder == (DISTRICT, CENTRE)


def test_the_district_rung_is_the_lead_department_of_the_topic(
    directory: Directory, policy: RoutingPolicy
) -> None:
    assignment = Assignment(
        unit_id=VILLAGE.unit_id,
        unit_name=VILLAGE.unit_name,
        tier=Tier.VILLAGE,
        grid_code="G-D01-T01-V01-01",
        co_unit_ids=(),
        manual=False,
        reasons=(),
    )

    ladder = escalation_ladder(assignment, "劳动和社会保障", directory, policy)

    assert [step.tier for step in ladder] == ["village", "township", "district", SUPERVISION]
    assert ladder[2].unit_id == "U-D01-RSJ"


def test_the_supervision_rung_is_the_dispatch_centre(directory: Directory) -> None:
    centre = directory.unit(CENTRE.unit_id)

    assert centre.role == DISPATCH_CENTRE
    assert centre.name == CENTRE.unit_name


@pytest.mark.parametrize(
    "case",
    [STREET_LIGHT, PROPERTY, ILLEGAL_BUILDING, UNPAID_WAGES],
    ids=["village", "township", "district", "unlocated"],
)
def test_the_ladder_starts_at_the_assigned_unit_and_ends_at_supervision(
    case: CaseText, classifier: Classifier, directory: Directory, policy: RoutingPolicy
) -> None:
    assignment, ladder = dispatch(case, classifier, directory, policy)

    assert ladder[0] == LadderStep(assignment.tier.value, assignment.unit_id, assignment.unit_name)
    assert ladder[-1] == CENTRE
    assert [step.tier for step in ladder].count(SUPERVISION) == 1
