"""The pure rules of 合并 and 不予受理: which merges and rejections a case allows."""

import pytest

from services.common.rejection import REASONS, NotAReason, rejection_note
from services.sla.domain.casefile import CaseFile, Refused, Rung
from services.sla.domain.merging import (
    Standing,
    check_reject,
    follower_refusal,
    follower_result,
    merge_refusal,
)

A, B, C = "20261122000001", "20261122000002", "20261122000003"


def code(follower: Standing, lead: Standing) -> str | None:
    refusal = merge_refusal(follower, lead)
    return refusal.code if refusal else None


def test_an_open_case_merges_into_an_open_lead() -> None:
    assert merge_refusal(Standing(B, "accepted"), Standing(A, "dispatched")) is None
    assert merge_refusal(Standing(B, "bounced"), Standing(A, "resolved", followers=(C,))) is None


def test_refusals_name_their_rule() -> None:
    assert code(Standing(A, "accepted"), Standing(A, "accepted")) == "merge_self"
    assert code(Standing(B, "closed"), Standing(A, "accepted")) == "case_closed"
    assert code(Standing(B, "merged", lead=C), Standing(A, "accepted")) == "already_merged"
    assert code(Standing(B, "accepted"), Standing(A, "closed")) == "lead_closed"
    lead_merged = merge_refusal(Standing(B, "accepted"), Standing(A, "merged", lead=C))
    assert lead_merged is not None and lead_merged.code == "lead_merged"
    assert f"请并入主办工单 {C}" in lead_merged.message
    assert code(Standing(B, "accepted"), Standing(A, "accepted", followers=(B,))) == (
        "already_merged"
    )
    assert follower_refusal(Standing(B, "accepted"), " ") is not None


def test_no_chain_and_no_cycle_can_form() -> None:
    # B follows A: A cannot follow B (B is merged), nor anyone else (A has followers).
    a, b = Standing(A, "accepted", followers=(B,)), Standing(B, "merged", lead=A)
    assert code(a, b) == "has_followers"
    assert code(a, Standing(C, "accepted")) == "has_followers"
    assert code(Standing(C, "accepted"), b) == "lead_merged"


def _file(state: str = "accepted", **more: object) -> CaseFile:
    f = CaseFile(A, "simple", False, "城乡建设", [Rung("village", "V01", "柳岸社区")])
    f.state = state
    for k, v in more.items():
        setattr(f, k, v)
    return f


def test_rejection_needs_an_open_case_without_followers() -> None:
    check_reject(_file(), "paidan")
    for f, said in (
        (_file("closed"), "已办结销号"),
        (_file("merged", lead=B), f"已并入工单 {B}"),
        (_file(followers=[B]), "不能不予受理"),
    ):
        with pytest.raises(Refused, match=said):
            check_reject(f, "paidan")


def test_reasons_are_from_the_short_list_and_other_needs_words() -> None:
    assert {r.label for r in REASONS.values()} == {
        "涉诉涉法",
        "已进入仲裁/诉讼",
        "非本市辖区",
        "重复无理诉求",
        "其他",
    }
    assert rejection_note("outside_city") == "非本市辖区；请向事发地政务服务热线反映"
    assert rejection_note("litigation", " 已起诉 ").startswith("涉诉涉法（已起诉）；")
    assert rejection_note("other", "属于企业内部管理事务") == "属于企业内部管理事务"
    with pytest.raises(NotAReason) as missing:
        rejection_note("other", "  ")
    assert missing.value.code == "reject_reason_missing"
    with pytest.raises(NotAReason) as unknown:
        rejection_note("busy")
    assert unknown.value.code == "reject_reason_unknown"


def test_a_follower_closes_with_the_leads_resolution() -> None:
    assert follower_result(A, "已更换灯泡", "回访满意") == f"随主办工单 {A} 办结：已更换灯泡"
    assert follower_result(A, "", "督办协调解决") == f"随主办工单 {A} 办结：督办协调解决"
