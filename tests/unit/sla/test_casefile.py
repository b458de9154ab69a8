"""The case file's rules: which command each state allows, and why not."""

from __future__ import annotations

import pytest

from services.sla.domain.casefile import (
    ACCEPTED,
    AWAITING_ACCEPT,
    CLOSED,
    RESOLVED,
    CaseFile,
    Clock,
    Extension,
    Limits,
    Refused,
    Rung,
)

LADDER = [
    Rung("village", "V", "村委会"),
    Rung("township", "T", "街道"),
    Rung("district", "D", "区"),
]
NOW = "2026-11-23T02:00:00+00:00"


def case(state: str = AWAITING_ACCEPT, **kw: object) -> CaseFile:
    f = CaseFile(
        case_no="20261123000001",
        difficulty="simple",
        urgent=False,
        topic="城乡建设",
        ladder=list(LADDER),
        **kw,
    )  # type: ignore[arg-type]
    f.state = state
    f.clock = Clock(
        accept_due="2026-11-23T03:00:00+00:00",
        resolve_due="2026-11-24T03:00:00+00:00",
        accept_yellow_at="2026-11-23T02:30:00+00:00",
        resolve_yellow_at="2026-11-24T00:00:00+00:00",
        start="2026-11-23T01:00:00+00:00",
        bounce_until="2026-11-23T03:00:00+00:00",
    )
    return f


def refusal(check: object, *args: object) -> str:
    with pytest.raises(Refused) as refused:
        check(*args)  # type: ignore[operator]
    return refused.value.message


def test_accept_only_while_waiting_and_with_an_actor() -> None:
    case().check_accept("张三")
    assert "待签收" not in refusal(case(ACCEPTED).check_accept, "张三")
    assert "已签收" in refusal(case(ACCEPTED).check_accept, "张三")
    assert "操作人" in refusal(case().check_accept, " ")


def test_resolve_needs_acceptance_and_a_resolution() -> None:
    assert "请先签收" in refusal(case().check_resolve, "张三", "修好了")
    assert "办结情况" in refusal(case(ACCEPTED).check_resolve, "张三", "")
    case(ACCEPTED).check_resolve("张三", "修好了")


def test_callback_only_after_resolution_and_close_only_once() -> None:
    assert "办结后" in refusal(case(ACCEPTED).check_callback, "回访员")
    case(RESOLVED).check_callback("回访员")
    assert "已办结销号" in refusal(case(CLOSED).check_close, "督办", "理由")
    assert "销号理由" in refusal(case(RESOLVED).check_close, "督办", "")


def test_extension_limits_count_total_and_one_at_a_time() -> None:
    f = case(ACCEPTED, limits=Limits(extension_max_count=2, extension_max_total=10))
    f.check_extension_request("张三", 4, "等材料")
    assert "超出上限" in refusal(f.check_extension_request, "张三", 11, "等材料")
    assert "大于零" in refusal(f.check_extension_request, "张三", 0, "等材料")
    assert "延期理由" in refusal(f.check_extension_request, "张三", 1, "")
    f.pending_extension = Extension("张三", 4, "等材料", NOW)
    assert "待审批" in refusal(f.check_extension_request, "张三", 1, "再等")
    f.pending_extension, f.extensions_granted, f.extension_used = None, 2, 6
    assert "次数已达上限" in refusal(f.check_extension_request, "张三", 1, "再等")
    assert "没有待审批" in refusal(f.check_extension_decision, "主任")
    assert "签收后才能申请" in refusal(case().check_extension_request, "张三", 1, "等")


def test_bounce_window_acceptance_arbitration_and_escalation() -> None:
    case().check_bounce("村委会", "不归我们", NOW)
    assert "退单理由" in refusal(case().check_bounce, "村委会", "", NOW)
    late = "2026-11-23T03:00:01+00:00"
    assert "超过退单时限" in refusal(case().check_bounce, "村委会", "不归我们", late)
    assert "签收后不能退单" in refusal(case(ACCEPTED).check_bounce, "村委会", "不归", NOW)
    assert "仲裁" in refusal(case(arbitrated=True).check_bounce, "村委会", "不归", NOW)
    assert "升级" in refusal(case(rung=1).check_bounce, "街道", "不归", NOW)


def test_record_and_ladder_position() -> None:
    f = case()
    entry = f.record("accepted", NOW, actor="张三", note="已签收")
    assert entry.note == "张三：已签收" and entry.tier == "village" and f.history == [entry]
    assert f.record("x", NOW, actor="张三").note == "张三"
    assert not f.at_top
    f.rung = 2
    assert f.at_top and f.unit.unit_id == "D"
