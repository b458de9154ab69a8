from dataclasses import replace
from pathlib import Path

import pytest

from services.common.jurisdiction.directory import DEFAULT_PATH
from services.dispatch.domain import (
    TOPICS,
    CaseText,
    Classification,
    Classifier,
    Difficulty,
    Directory,
    DirectoryError,
    RoutingPolicy,
    RoutingPolicyError,
    Tier,
    explain,
    route,
    summary_of,
)

CENTRE = "U-D01-DBZX"


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.from_file()


@pytest.fixture(scope="module")
def policy() -> RoutingPolicy:
    return RoutingPolicy.from_file()


def classified(
    difficulty: Difficulty = Difficulty.SIMPLE,
    *,
    topic: str = "城乡建设",
    confidence: float = 0.9,
    major: bool = False,
) -> Classification:
    return Classification(
        topic=topic,
        difficulty=difficulty,
        urgent=False,
        major=major,
        confidence=confidence,
        reasons=("主题「城乡建设」：命中 路灯",),
    )


def test_simple_case_goes_to_the_village_of_its_grid(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="路灯不亮", content="路灯不亮", grid_code="G-D01-T01-V02-01")

    assignment = route(classified(), case, directory, policy)

    assert assignment.unit_id == "U-D01-T01-V02"
    assert assignment.tier is Tier.VILLAGE
    assert assignment.grid_code == "G-D01-T01-V02-01"
    assert not assignment.manual
    assert assignment.co_unit_ids == ()


def test_general_case_goes_to_the_township_found_by_road_name(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="占道经营", content="门口有人占道经营", address="东城街道纺织路5号")

    assignment = route(classified(Difficulty.GENERAL), case, directory, policy)

    assert assignment.unit_id == "U-D01-T02"
    assert assignment.tier is Tier.TOWNSHIP
    assert assignment.grid_code == "G-D01-T02-V01-02"
    assert any("纺织路" in r for r in assignment.reasons)


def test_the_case_text_is_searched_when_the_address_says_nothing(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="井盖缺失", content="桃溪渡口旁边的井盖没了", address="不详")

    assignment = route(classified(), case, directory, policy)

    assert assignment.unit_id == "U-D01-T03-V03"
    assert not assignment.manual


def test_unknown_grid_goes_to_manual_dispatch_at_the_centre(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="路灯不亮", content="路灯不亮", grid_code="G-X", address="外地某路")

    assignment = route(classified(), case, directory, policy)

    assert assignment.manual
    assert assignment.unit_id == CENTRE
    assert assignment.tier is Tier.VILLAGE
    assert "未能定位网格，转人工派单" in assignment.reasons


def test_low_confidence_goes_to_manual_but_keeps_the_suggested_unit(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="路灯", content="路灯", grid_code="G-D01-T01-V01-01")

    assignment = route(classified(confidence=0.1), case, directory, policy)

    assert assignment.manual
    assert assignment.unit_id == "U-D01-T01-V01"
    threshold = f"低于阈值 {policy.manual_below_confidence:.2f}"
    assert any(threshold in r for r in assignment.reasons)


def test_complex_case_has_a_lead_department_and_co_units(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="违建", content="违章建筑", grid_code="G-D01-T03-V01-02")

    assignment = route(classified(Difficulty.COMPLEX), case, directory, policy)

    assert assignment.tier is Tier.DISTRICT
    assert assignment.unit_id == "U-D01-ZJJ"
    assert assignment.co_unit_ids == ("U-D01-T03", "U-D01-CGJ")
    assert not assignment.manual


def test_district_case_without_a_grid_still_has_its_lead(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="欠薪", content="公司拖欠工资")

    assignment = route(
        classified(Difficulty.LEGACY, topic="劳动和社会保障"), case, directory, policy
    )

    assert assignment.unit_id == "U-D01-RSJ"
    assert assignment.co_unit_ids == ()
    assert not assignment.manual


def test_major_case_is_lifted_to_the_district_under_supervision(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="路灯", content="路灯", grid_code="G-D01-T01-V01-01")

    assignment = route(classified(major=True), case, directory, policy)

    assert assignment.tier is Tier.DISTRICT
    assert assignment.unit_id == "U-D01-ZJJ"
    assert "重大疑难：区领导督办" in assignment.reasons
    assert CENTRE in assignment.co_unit_ids


def test_urgency_does_not_change_the_tier(directory: Directory, policy: RoutingPolicy) -> None:
    case = CaseText(title="路灯", content="路灯", grid_code="G-D01-T01-V01-01", urgent=True)

    assignment = route(replace(classified(), urgent=True), case, directory, policy)

    assert assignment.tier is Tier.VILLAGE


def test_every_topic_has_a_lead_department_in_the_demo_directory(
    directory: Directory, policy: RoutingPolicy
) -> None:
    for topic in TOPICS:
        rule = policy.departments[topic]
        assert directory.department("D01", rule.lead) is not None, topic
        for key in rule.co:
            assert directory.department("D01", key) is not None, (topic, key)


def test_policy_tiers_follow_the_design_defaults(policy: RoutingPolicy) -> None:
    assert policy.tiers == {
        Difficulty.SIMPLE: Tier.VILLAGE,
        Difficulty.GENERAL: Tier.TOWNSHIP,
        Difficulty.COMPLEX: Tier.DISTRICT,
        Difficulty.LEGACY: Tier.DISTRICT,
    }
    # the manual-queue threshold is checked against the corpus curve in test_calibration.py
    assert 0 < policy.manual_below_confidence < 1


def test_a_policy_missing_a_difficulty_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("tiers: {simple: village}\ndepartments: {}\n", encoding="utf-8")

    with pytest.raises(RoutingPolicyError, match="no tier for"):
        RoutingPolicy.from_file(path)


def test_end_to_end_from_text_to_explanation(directory: Directory, policy: RoutingPolicy) -> None:
    case = CaseText(title="小区路灯坏了三天", content="小区路灯坏了三天", address="柳岸路8号")
    classification = Classifier.from_file().classify(case)

    assignment = route(classification, case, directory, policy)
    text = explain(classification, assignment)

    assert assignment.unit_id == "U-D01-T01-V01"
    assert "「城乡建设」" in text
    assert "柳岸社区居民委员会" in text
    assert "人工派单" not in text
    # The grounds are the case's reasons, read as a list: the paragraph does not repeat them.
    assert classification.reasons and assignment.reasons
    assert not any(r in text for r in (*classification.reasons, *assignment.reasons))
    assert "判定依据" not in text


def test_a_redispatch_cites_the_first_decision_without_its_old_grounds() -> None:
    first = "该诉求归入「城乡建设」类。按村/社区办理，派至「柳岸社区」。"
    old = f"{first}判定依据：规则命中 路灯；网格 G-1。"
    assert summary_of(old) == first
    again = f"改派至「湖滨街道」。原判定：{summary_of(old)}"
    assert summary_of(f"改派至「某局」。原判定：{again}") == summary_of(old)


def test_coordinates_place_a_case_in_the_nearest_grid_within_its_radius() -> None:
    directory, policy = Directory.from_file(), RoutingPolicy.from_file()
    lamp = CaseText(
        title="路灯不亮",
        content="门口的路灯坏了三天，晚上很黑",
        latitude=28.2423,
        longitude=112.9302,
    )
    assignment = route(Classifier.from_file().classify(lamp), lamp, directory, policy)
    assert assignment.grid_code == "G-D01-T01-V02-01"
    assert assignment.unit_id == "U-D01-T01-V02"
    assert any("坐标" in r for r in assignment.reasons)


def test_coordinates_outside_every_grid_fall_back_to_the_address() -> None:
    directory, policy = Directory.from_file(), RoutingPolicy.from_file()
    far = CaseText(
        title="路灯不亮", content="路灯坏了三天", address="柳岸路", latitude=39.9, longitude=116.4
    )
    assignment = route(Classifier.from_file().classify(far), far, directory, policy)
    assert assignment.grid_code == "G-D01-T01-V01-01"
    assert "坐标不在任何网格范围内，改按地址定位" in assignment.reasons


def test_a_bad_grid_centre_is_refused_with_its_place(tmp_path: Path) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "center: [28.2300, 112.9300]", "center: [128.23, 112.93]", 1
    )
    bad = tmp_path / "directory.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"G-D01-T01-V01-01.*latitude"):
        Directory.from_file(bad)
