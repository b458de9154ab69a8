from datetime import UTC, datetime, timedelta

import pytest

from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.dispatch.domain.hotspot import (
    HotspotPolicy,
    HotspotPolicyError,
    Recent,
    assess,
    batch_handling,
    bigrams,
    cosine,
    nearby,
)
from services.dispatch.domain.model import Difficulty

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GRID = "G-D01-T01-V03-01"
TEXT = "望湖苑小区物业擅自把物业费涨到每平方米两块五，没有召开业主大会，也没有公示。"
SIMILAR = "望湖苑物业突然把物业费涨到每平方米两块五，没开业主大会，也没有公示依据。"
POLICY = HotspotPolicy(batch_threshold=3)


def recent(case_no: str, text: str = SIMILAR, **overrides: object) -> Recent:
    values: dict[str, object] = {
        "case_no": case_no,
        "topic": "城乡建设",
        "grid_code": GRID,
        "text": text,
        "received_at": T0 - timedelta(hours=1),
    }
    values.update(overrides)
    return Recent(**values)  # type: ignore[arg-type]


def verdict(*others: Recent, policy: HotspotPolicy = POLICY):  # type: ignore[no-untyped-def]
    return assess(
        topic="城乡建设", grid_code=GRID, text=TEXT, received_at=T0, recent=others, policy=policy
    )


def test_similarity_separates_the_same_matter_from_another() -> None:
    assert cosine(bigrams(TEXT), bigrams(SIMILAR)) > 0.5
    assert cosine(bigrams(TEXT), bigrams("学校门口放学时车辆拥堵严重")) < 0.1


def test_nearby_means_same_grid_or_same_village() -> None:
    assert nearby(GRID, "G-D01-T01-V03-02", "village")
    assert not nearby(GRID, "G-D01-T01-V03-02", "grid")
    assert not nearby(GRID, "G-D01-T01-V02-01", "village")
    assert not nearby(GRID, None, "village")


def test_one_similar_case_is_linked_but_not_yet_a_batch() -> None:
    found = verdict(recent("A"))

    assert [link.case_no for link in found.links] == ["A"]
    assert not found.batch and found.parent_case_no is None


def test_reaching_the_threshold_makes_a_batch_under_the_earliest_case() -> None:
    found = verdict(recent("B"), recent("A", received_at=T0 - timedelta(hours=5)))

    assert found.batch and found.parent_case_no == "A"
    assert any("批量诉求" in r for r in found.reasons)


def test_an_existing_parent_is_kept() -> None:
    found = verdict(recent("B", parent_case_no="P"), recent("C", parent_case_no="P"))

    assert found.parent_case_no == "P"


@pytest.mark.parametrize(
    "other",
    [
        recent("X", topic="环境保护"),
        recent("X", grid_code="G-D01-T03-V01-01"),
        recent("X", received_at=T0 - timedelta(days=4)),
        recent("X", text="小区门口的路灯坏了好几天了"),
    ],
)
def test_other_topic_place_time_or_text_is_not_linked(other: Recent) -> None:
    assert verdict(other).links == ()


def test_surge_mode_merges_under_the_parent() -> None:
    surge = HotspotPolicy(batch_threshold=5, surge=True, surge_similarity=0.3)

    found = verdict(recent("A"), policy=surge)

    assert found.merged and found.parent_case_no == "A"


def test_policy_file_values_are_checked() -> None:
    with pytest.raises(HotspotPolicyError):
        HotspotPolicy.from_dict({"hotspots": {"nearby": "city"}})
    with pytest.raises(HotspotPolicyError):
        HotspotPolicy.from_dict({"hotspots": {"batch_threshold": 1}})
    assert HotspotPolicy.from_dict({"surge": {"enabled": True}}).surge


def test_a_batch_says_what_it_did_to_the_difficulty_once() -> None:
    batch = verdict(recent("B"), recent("A", received_at=T0 - timedelta(hours=5)))
    # A small single-point matter reported again and again stays simple, and says so.
    simple, said = batch_handling(batch, Difficulty.SIMPLE)
    assert simple is Difficulty.SIMPLE
    line = next(r for r in said.reasons if r.startswith("批量诉求"))
    assert line.endswith("关联但不升级难度") and "升级为复杂" not in line
    assert not any("升级为复杂" in r for r in said.reasons)
    assert sum("难度" in r for r in said.reasons) == 1
    # A general matter many people report becomes a joint (联动办) complex one.
    general, said = batch_handling(batch, Difficulty.GENERAL)
    assert general is Difficulty.COMPLEX
    assert [r for r in said.reasons if "升级为复杂事项联动办理" in r] == [
        next(r for r in said.reasons if r.startswith("批量诉求"))
    ]
    # Already complex: nothing is upgraded, and nothing says it was.
    complex_, said = batch_handling(batch, Difficulty.COMPLEX)
    assert complex_ is Difficulty.COMPLEX and not any("升级" in r for r in said.reasons)
    # Not a batch: untouched.
    single = verdict(recent("A"))
    assert batch_handling(single, Difficulty.GENERAL) == (Difficulty.GENERAL, single)


def test_each_link_is_told_to_both_cases() -> None:
    from services.dispatch.consumer import linked_events

    found = verdict(recent("20261201000001"), recent("20261201000002"))
    told = linked_events("cause", "20261201000009", found, T0)
    actions = [case_pb2.CaseAction.FromString(env.data) for env in told]
    pairs = {(env.subject, a.related_case_no) for env, a in zip(told, actions, strict=True)}
    assert pairs == {
        ("20261201000009", "20261201000001"),
        ("20261201000001", "20261201000009"),
        ("20261201000009", "20261201000002"),
        ("20261201000002", "20261201000009"),
    }
    assert all(a.action == "linked" and "相似度" in a.note for a in actions)
    # Derived from the cause: a retry announces the very same events.
    again = linked_events("cause", "20261201000009", found, T0)
    assert [env.id for env in again] == [env.id for env in told]
