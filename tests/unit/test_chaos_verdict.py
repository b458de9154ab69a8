"""The fault drill's verdicts: what counts as lost, duplicated, a duplicate SMS, out of order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.chaos.faults import KILL, PAUSE, plan
from bench.chaos.verdict import DISPATCHED, RECEIVED, Facts, Row, failed, judge, markdown, window_of

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
CASE = "20261201000001"


def whole(**changes: object) -> Facts:
    """Facts of one case that went through once, everywhere; `changes` spoil it."""
    facts = Facts(
        assigned={CASE: True},
        dispatch_events={CASE: {"e1"}},
        workflows={CASE: 1},
        receipts={CASE: 1},
        receipt_rows={CASE: ["delivered"]},
        record={CASE: [(RECEIVED, T0), (DISPATCHED, T0 + timedelta(seconds=1))]},
        outbox={"minhu_intake": 0},
    )
    for name, value in changes.items():
        setattr(facts, name, value)
    return facts


def test_a_case_through_once_everywhere_is_fine() -> None:
    assert judge(CASE, whole()).ok


def test_what_is_missing_is_a_loss() -> None:
    assert judge(CASE, whole(assigned={})).lost[0] == "not dispatched"
    assert judge(CASE, whole(workflows={})).lost == ["no workflow"]
    assert judge(CASE, whole(receipts={})).lost == ["no receipt SMS (delivered)"]
    assert judge(CASE, whole(receipts={}, receipt_rows={})).lost == ["no receipt planned"]
    pending = whole(receipts={}, receipt_rows={CASE: ["pending"]})
    assert judge(CASE, pending).lost == ["no receipt SMS (pending)"]
    assert judge(CASE, whole(record={})).lost == ["not in the desk's record"]


def test_a_case_owed_no_workflow_needs_none() -> None:
    assert judge(CASE, whole(assigned={CASE: False}, workflows={})).ok


def test_a_receipt_withdrawn_because_the_case_closed_first_is_not_owed() -> None:
    assert judge(CASE, whole(receipts={}, receipt_rows={CASE: ["withdrawn"]})).ok


def test_twice_is_a_duplicate_and_a_second_receipt_a_duplicate_sms() -> None:
    assert judge(CASE, whole(dispatch_events={CASE: {"e1", "e2"}})).duplicated
    assert judge(CASE, whole(workflows={CASE: 2})).duplicated == ["2 workflows"]
    v = judge(CASE, whole(receipts={CASE: 3}))
    assert v.duplicate_sms == 2 and not v.lost


def test_dispatched_before_received_is_out_of_order() -> None:
    record = {CASE: [(DISPATCHED, T0), (RECEIVED, T0 + timedelta(seconds=1))]}
    assert judge(CASE, whole(record=record)).out_of_order


def test_posts_fall_in_the_window_of_the_fault_they_were_sent_in() -> None:
    starts = [100.0, 200.0, 300.0]
    assert [window_of(t, starts) for t in (100, 199.9, 200, 1000)] == [0, 0, 1, 2]


def test_the_drill_fails_on_a_loss_an_unrecovered_fault_or_a_full_outbox() -> None:
    fine = [Row("none", acknowledged=3), Row("SIGKILL dispatch", acknowledged=2, recover_s=4.0)]
    assert failed(fine, whole()) == []
    lost = Row("SIGKILL notify", lost=1, recover_s=3.0)
    assert failed([*fine, lost], whole()) == ["SIGKILL notify: 1 lost"]
    assert failed([*fine, Row("SIGKILL desk")], whole()) == ["SIGKILL desk: did not recover"]
    assert failed(fine, whole(outbox={"minhu_dispatch": 2})) == [
        "outbox of minhu_dispatch: 2 unpublished"
    ]


def test_the_table_adds_the_rows_up() -> None:
    rows = [Row("a", acknowledged=3, refused=1), Row("b", acknowledged=2, recover_s=1.5)]
    table = markdown(rows, whole())
    assert "| b | 2 | 0 | 0 | 0 | 0 | 0 | 1.5 |" in table
    assert "| **total** | 5 | 1 | 0 | 0 | 0 | 0 | |" in table


def test_faults_are_planned_from_short_names() -> None:
    faults = plan(["dispatch", "pause:notify", "away:smsgw"], hold=5, pause=20, away=30)
    assert [(f.kind, f.target, f.hold) for f in faults][:2] == [
        (KILL, "dispatch", 5),
        (PAUSE, "notify", 20),
    ]
    assert faults[2].label == "smsgw away 30s"
