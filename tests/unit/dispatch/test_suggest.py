"""The manual queue's suggested unit, and the explanation a human dispatch stores."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.dispatch.domain import (
    CaseText,
    Classification,
    Difficulty,
    Directory,
    RoutingPolicy,
    explain,
    route,
)
from services.dispatch.domain.suggest import decided_by_hand, suggest

CENTRE = "U-D01-DBZX"
NOWHERE = CaseText(title="咨询", content="你好，我想问一下这个事情应该找哪里办理，谢谢。")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.from_file()


@pytest.fixture(scope="module")
def policy() -> RoutingPolicy:
    return RoutingPolicy.from_file()


def _routed(
    case: CaseText,
    directory: Directory,
    policy: RoutingPolicy,
    difficulty: Difficulty = Difficulty.SIMPLE,
) -> dict[str, str]:
    """Where routing put a low-confidence case: what the manual queue row holds."""
    c = Classification("城乡建设", difficulty, False, False, 0.3, ("主题线索：无",))
    a = route(c, case, directory, policy)
    return {"unit_id": a.unit_id, "tier": a.tier.value, "topic": c.topic}


def test_a_case_routing_placed_is_suggested_to_the_unit_it_chose(
    directory: Directory, policy: RoutingPolicy
) -> None:
    case = CaseText(title="路灯不亮", content="柳岸路柳岸花园门口路灯坏了")
    routed = _routed(case, directory, policy)
    s = suggest(case, **routed, directory=directory, policy=policy)
    assert (s.unit_id, s.unit_name) == ("U-D01-T01-V01", "柳岸社区居民委员会")


def test_a_case_nobody_could_place_is_suggested_to_the_topics_lead_department(
    directory: Directory, policy: RoutingPolicy
) -> None:
    routed = _routed(NOWHERE, directory, policy)
    assert routed["unit_id"] == CENTRE  # routing itself falls back on the 12345 centre
    s = suggest(NOWHERE, **routed, directory=directory, policy=policy)
    assert s.unit_id == "U-D01-ZJJ" and s.unit_id != CENTRE
    assert "区级牵头部门" in s.why and "城乡建设" in s.why


def test_a_township_named_in_the_text_takes_a_case_without_a_lead_department(
    directory: Directory, policy: RoutingPolicy
) -> None:
    bare = replace(policy, departments={})
    case = CaseText(title="咨询", content="湖滨街道这边的事情找谁办")
    routed = _routed(case, directory, bare, difficulty=Difficulty.COMPLEX)
    assert routed["unit_id"] == CENTRE
    s = suggest(case, **routed, directory=directory, policy=bare)
    assert s.unit_id == "U-D01-T01" and "湖滨街道" in s.why


def test_no_unit_is_suggested_when_neither_place_nor_topic_names_one(
    directory: Directory, policy: RoutingPolicy
) -> None:
    bare = replace(policy, departments={})
    routed = _routed(NOWHERE, directory, bare)
    s = suggest(NOWHERE, **routed, directory=directory, policy=bare)
    assert (s.unit_id, s.unit_name) == ("", "")
    assert "请按诉求内容选择承办单位" in s.why


def test_a_human_dispatch_keeps_the_models_confidence_and_reasons_as_shown(
    directory: Directory, policy: RoutingPolicy
) -> None:
    c = Classification("城乡建设", Difficulty.SIMPLE, False, False, 0.46, ("关键词：路灯",))
    shown = explain(c, route(c, NOWHERE, directory, policy))
    stored = decided_by_hand(["人工派单（paidan）：属社区维护", "派至柳岸社区居民委员会"], shown)
    assert stored.startswith("人工派单（paidan）：属社区维护；派至柳岸社区居民委员会。")
    # The grounds travel as the event's reasons, shown one per line; the paragraph is kept
    # exactly as the queue showed it.
    assert stored.endswith(shown) and "置信度 0.46" in stored
    assert "明湖区12345督办中心" not in stored
    assert "置信度 1.00" not in stored and "判定依据：。" not in stored
