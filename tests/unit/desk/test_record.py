"""The record's entries and the story people read, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.desk.record.entries import CLOSED_OUT, VERIFIED, entry_of, mask_recipient
from services.desk.record.story import story

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def entry(event_type: str, fields: dict[str, Any], *, seq: int = 1, **over: Any) -> dict[str, Any]:
    e = entry_of(
        event_type=event_type,
        event_id=f"ev-{seq}",
        source="minhu/test",
        case_no="20261130000001",
        time=T0,
        fields={"case_no": "20261130000001", **fields},
    )
    row = {
        "seq": seq,
        "kind": e.kind,
        "event_type": e.event_type,
        "at": e.at,
        "actor": e.actor,
        "actor_name": "",
        "actor_unit_id": "",
        "unit_id": e.unit_id,
        "note": e.note,
        "signed_as": e.signed_as,
        "data": e.data,
    }
    row.update(over)
    return row


def test_the_caller_is_kept_apart_and_never_in_the_entry() -> None:
    e = entry_of(
        event_type="minhu.case.received.v1",
        event_id="ev-1",
        source="minhu/intake",
        case_no="20261130000001",
        time=T0,
        fields={
            "case_no": "20261130000001",
            "caller_name": "张三",
            "caller_phone": "13800138000",
            "content": "路灯坏了",
            "received_at": "2026-11-30T08:00:00Z",
            "callback_consent": True,
        },
    )
    assert "caller_phone" not in e.data and "caller_name" not in e.data
    assert e.caller is not None and e.caller.callback_consent
    assert e.caller.plain is not None and e.caller.plain.phone == "13800138000"
    assert "13800138000" not in repr(e)
    assert e.at == datetime(
        2026, 11, 30, 8, 0, tzinfo=UTC
    )  # the payload's time, not the envelope's


def test_resolution_and_close_out_are_sign_offs_of_their_actor() -> None:
    resolved = entry(
        "minhu.case.action.v1", {"action": "resolved", "actor": "liuan", "note": "已修复"}
    )
    assert resolved["signed_as"] == VERIFIED and resolved["actor"] == "liuan"
    closed = entry(
        "minhu.case.closed.v1", {"reason": "supervisor", "actor": "duban", "note": "已核实"}
    )
    assert closed["kind"] == "closed" and closed["signed_as"] == CLOSED_OUT
    older = entry("minhu.case.closed.v1", {"reason": "supervisor", "note": "x"})
    assert older["signed_as"] == ""  # events from before close-outs named their signer


def test_sms_recipients_are_masked_in_the_record() -> None:
    sent = entry(
        "minhu.notify.sent.v1",
        {"channel": "sms", "recipient": "13800138000", "status": "delivered", "template": "r"},
    )
    assert sent["data"]["recipient"] == "138****8000"
    assert mask_recipient("in_app", "U-D01-T01-V01") == "U-D01-T01-V01"
    assert mask_recipient("email", "duban@example.org") == "d***@example.org"


def test_the_story_says_the_callback_verdict_once_from_its_fields_or_an_older_note() -> None:
    new = entry(
        "minhu.case.action.v1",
        {"action": "callback_recorded", "actor": "paidan", "note": "满意 很及时", "reached": True,
         "satisfied": True},
    )  # fmt: skip
    old = entry(
        "minhu.case.action.v1",
        {"action": "callback_recorded", "actor": "paidan", "note": "未接通"},
        seq=2,
    )
    lines = story([new, old], lambda unit: unit)
    assert [(x.what, x.note) for x in lines] == [("回访（满意）", "很及时"), ("回访（未接通）", "")]


def test_the_story_runs_in_time_order_names_signers_and_hides_deadline_restatements() -> None:
    names = {"U-1": "柳岸社区"}.get
    received = entry(
        "minhu.case.received.v1",
        {"channel": "phone", "content": "路灯坏了", "received_at": "2026-11-30T08:00:00Z"},
        seq=2,
    )
    dispatched = entry(
        "minhu.case.dispatched.v1",
        {"unit_id": "U-1", "tier": "village", "decision": "auto", "reasons": ["规则命中 路灯"],
         "dispatched_at": "2026-11-30T08:00:01Z"},
        seq=1,
    )  # fmt: skip
    quiet = entry("minhu.case.sla.v1", {"kind": "deadlines_set", "unit_id": "U-1"}, seq=3)
    resolved = entry(
        "minhu.case.action.v1",
        {
            "action": "resolved",
            "actor": "liuan",
            "note": "已更换灯泡",
            "at": "2026-11-30T10:00:00Z",
        },
        seq=4,
        actor_name="王网格员",
        actor_unit_id="U-1",
    )
    lines = story([dispatched, received, quiet, resolved], lambda u: names(u) or u)
    assert [x.what for x in lines] == ["受理（电话）", "自动派单 → 柳岸社区（村/社区）", "办结"]
    assert lines[1].note == "规则命中 路灯"
    assert lines[2].signed == "核实人" and lines[2].who == "王网格员 · 柳岸社区"
    everything = story([dispatched, received, quiet, resolved], lambda u: u, everything=True)
    assert len(everything) == 4 and everything[0].at <= everything[-1].at + timedelta(0)
