"""The rules of moving a case after acceptance: 改派 and 上报, and their clock policy."""

from __future__ import annotations

import pytest

from services.sla.domain.casefile import (
    ACCEPTED,
    AWAITING_ACCEPT,
    RESOLVED,
    CaseFile,
    Clock,
    Refused,
    Rung,
    Takeover,
)
from services.sla.domain.moves import (
    ClockRule,
    TakeoverDecision,
    TakeoverRequest,
    TransferCommand,
    check_takeover_decision,
    check_takeover_request,
    check_transfer,
    live_takeover,
    load_moves_policy,
    moved_clock,
    parse_moves_policy,
    ruled_out,
    transfer_ladder,
)

V1 = Rung("village", "V1", "柳岸社区")
V2 = Rung("village", "V2", "新华社区")
T1 = Rung("township", "T1", "湖滨街道")
T2 = Rung("township", "T2", "东城街道")
D = Rung("district", "D", "住建局")
TOP = Rung("supervision", "S", "督办中心")
OLD = Clock("a-old", "r-old", "ay-old", "ry-old", start="s-old", bounce_until="b-old")
FRESH = Clock("a-new", "r-new", "ay-new", "ry-new", start="s-new", bounce_until="b-new")


def case(state: str = ACCEPTED, rung: int = 0) -> CaseFile:
    f = CaseFile("20261123000001", "simple", False, "城乡建设", [V1, T1, D, TOP], rung=rung)
    f.state = state
    return f


def refusal(check: object) -> str:
    with pytest.raises(Refused) as refused:
        check()  # type: ignore[operator]
    return refused.value.message


def test_the_policy_file_restarts_acceptance_on_transfer_and_resolve_on_takeover() -> None:
    policy = load_moves_policy()
    assert policy.rule("transfer") == ClockRule("restart", "keep")
    assert policy.rule("takeover").resolve == "restart"
    assert parse_moves_policy({"transfer": {"resolve": "restart"}}).transfer.resolve == "restart"
    with pytest.raises(ValueError, match="restart or keep"):
        parse_moves_policy({"takeover": {"resolve": "later"}})
    with pytest.raises(ValueError):
        parse_moves_policy({"merge": {}})


def test_moved_clock_keeps_what_the_rule_keeps_and_never_reopens_the_bounce_window() -> None:
    kept = moved_clock(OLD, FRESH, ClockRule("restart", "keep"))
    assert (kept.accept_due, kept.resolve_due, kept.resolve_yellow_at) == (
        "a-new",
        "r-old",
        "ry-old",
    )
    fresh = moved_clock(OLD, FRESH, ClockRule("restart", "restart"))
    assert (fresh.accept_due, fresh.resolve_due) == ("a-new", "r-new")
    both = moved_clock(OLD, FRESH, ClockRule("keep", "keep"))
    assert (both.accept_due, both.accept_yellow_at) == ("a-old", "ay-old")
    assert kept.bounce_until == fresh.bounce_until == ""


def test_transfer_needs_a_reason_another_unit_and_a_case_with_a_unit() -> None:
    ok = TransferCommand("duban", "不属本社区", V2, T1)
    check_transfer(case(), ok)
    check_transfer(case(AWAITING_ACCEPT), ok)
    assert "改派理由" in refusal(lambda: check_transfer(case(), TransferCommand("duban", " ", V2)))
    assert "已在该单位" in refusal(lambda: check_transfer(case(), TransferCommand("d", "x", V1)))
    assert "不能改派" in refusal(lambda: check_transfer(case(RESOLVED), ok))


def test_takeover_goes_to_the_next_tier_after_acceptance_and_once_at_a_time() -> None:
    ask = TakeoverRequest("liuan", "需街道协调")
    check_takeover_request(case(), ask)
    assert "签收后才能上报" in refusal(lambda: check_takeover_request(case(AWAITING_ACCEPT), ask))
    assert "上报理由" in refusal(lambda: check_takeover_request(case(), TakeoverRequest("l", "")))
    # The district is the last tier that handles cases: 督办 is no unit to hand one to.
    assert "最高办理层级" in refusal(lambda: check_takeover_request(case(rung=2), ask))
    pending = case()
    pending.pending_takeover = Takeover("liuan", "需协调", "t", "V1", T1)
    assert live_takeover(pending) is not None
    assert "待上级决定" in refusal(lambda: check_takeover_request(pending, ask))
    # Escalated since: the request of the unit left behind no longer counts.
    pending.rung = 1
    assert live_takeover(pending) is None
    check_takeover_request(pending, ask)


def test_a_takeover_decision_needs_a_pending_request_and_a_refusal_its_reason() -> None:
    f = case()
    assert "没有待决定" in refusal(
        lambda: check_takeover_decision(f, TakeoverDecision("hubin", True))
    )
    f.pending_takeover = Takeover("liuan", "需协调", "t", "V1", T1)
    check_takeover_decision(f, TakeoverDecision("hubin", True))
    assert "理由" in refusal(lambda: check_takeover_decision(f, TakeoverDecision("hubin", False)))
    check_takeover_decision(f, TakeoverDecision("hubin", False, "社区职责"))


def test_moves_are_refused_to_workflows_begun_before_them() -> None:
    ruled_out(True)
    assert "尚未启用" in refusal(lambda: ruled_out(False))


def test_the_ladder_after_a_transfer_climbs_from_the_new_unit() -> None:
    old = [V1, T1, D, TOP]
    assert transfer_ladder(old, V2, T2) == [V2, T2, D, TOP]
    assert transfer_ladder(old, T2, None) == [T2, D, TOP]
    assert transfer_ladder(old, D, None) == [D, TOP]
    assert transfer_ladder(old, V2, None) == [V2, D, TOP]


def test_a_transferred_case_cannot_be_bounced() -> None:
    f = case(AWAITING_ACCEPT)
    f.transfers = 1
    assert "改派" in refusal(lambda: f.check_bounce("xinhua", "不归我们", "2026-11-23T02:00:00"))
