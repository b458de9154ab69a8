from datetime import UTC, datetime, timedelta

import pytest

from services.dispatch.domain.bounce import (
    BouncePolicy,
    BouncePolicyError,
    CaseState,
    Outcome,
    arbitrator,
    judge,
    next_unit,
)
from services.dispatch.domain.ladder import LadderStep

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POLICY = BouncePolicy(window=timedelta(hours=24), max_bounces=2)
LADDER = (
    LadderStep("village", "V1", "柳岸社区"),
    LadderStep("township", "T1", "湖滨街道"),
    LadderStep("district", "ZJJ", "住建局"),
    LadderStep("supervision", "DBZX", "督办中心"),
)


def state(**overrides: object) -> CaseState:
    values: dict[str, object] = {
        "unit_id": "V1",
        "assigned_at": T0,
        "bounces": 0,
        "arbitrated": False,
        "arbitration_open": False,
    }
    values.update(overrides)
    return CaseState(**values)  # type: ignore[arg-type]


def test_first_bounce_within_the_window_redispatches() -> None:
    verdict = judge(state(), unit_id="V1", at=T0 + timedelta(hours=2), policy=POLICY)

    assert verdict.outcome is Outcome.REDISPATCH
    assert "第 1 次退单" in verdict.reason


def test_the_bounce_reaching_the_cap_opens_arbitration() -> None:
    verdict = judge(state(bounces=1), unit_id="V1", at=T0, policy=POLICY)

    assert verdict.outcome is Outcome.ARBITRATE


@pytest.mark.parametrize(
    ("overrides", "unit", "late", "why"),
    [
        ({"arbitrated": True}, "V1", 0, "最终决定"),
        ({"arbitration_open": True}, "V1", 0, "等待仲裁"),
        ({}, "V2", 0, "不是当前承办单位"),
        ({}, "V1", 25, "退单时限"),
    ],
)
def test_bounces_that_are_refused(
    overrides: dict[str, object], unit: str, late: int, why: str
) -> None:
    verdict = judge(state(**overrides), unit_id=unit, at=T0 + timedelta(hours=late), policy=POLICY)

    assert verdict.outcome is Outcome.REFUSED
    assert why in verdict.reason


def test_next_unit_skips_every_unit_that_bounced() -> None:
    assert next_unit(["V1", "V1", "T1", "ZJJ"], ["V1"]) == "T1"
    assert next_unit(["V1", "T1"], ["V1", "T1"]) is None


def test_arbitrator_is_one_rung_above_the_bouncing_unit() -> None:
    assert arbitrator(LADDER, "V1").unit_id == "T1"
    assert arbitrator(LADDER, "T1").unit_id == "ZJJ"
    assert arbitrator(LADDER, "ZJJ").unit_id == "DBZX"
    assert arbitrator(LADDER, "unknown").unit_id == "DBZX"


def test_policy_reads_the_file_section_and_rejects_nonsense() -> None:
    policy = BouncePolicy.from_dict({"bounce": {"window_hours": 12, "max_bounces": 3}})

    assert policy.window == timedelta(hours=12) and policy.max_bounces == 3
    with pytest.raises(BouncePolicyError):
        BouncePolicy.from_dict({"bounce": {"max_bounces": 0}})
    with pytest.raises(BouncePolicyError):
        BouncePolicy.from_dict({"bounce": {"window_hours": "soon"}})
