"""What people read is Chinese: every message template, rendered for representative events,
and every line of a case's record story, with no Latin word outside the allowed few."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

import pytest

from services.common import events
from services.common.labels import ACTIONS, CHANNELS, DECISIONS, DIFFICULTY, STATES, TIERS
from services.desk.record.entries import entry_of
from services.desk.record.story import story
from services.notify.domain import Templates, plan
from services.notify.domain.contacts import DutyContacts
from services.notify.domain.plan import Caller, Context
from tests.unit.notify.test_plan import action, dispatched, sla
from tests.wording import latin_words

CASE_NO = "20261130000001"
UNITS = {
    "U-D01-T01-V01": "柳岸社区居民委员会",
    "U-D01-T01": "湖滨街道综合执法和便民服务中心",
    "U-D01-DBZX": "明湖区12345督办中心",
}


def test_the_vocabulary_itself_is_chinese() -> None:
    for table in (ACTIONS, CHANNELS, DECISIONS, DIFFICULTY, STATES, TIERS):
        for code, name in table.items():
            assert not latin_words(name), (code, name)


def test_every_template_renders_in_chinese() -> None:
    templates = Templates.from_file()
    for template, text in templates.texts.items():
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f]
        values = {f: "值" for f in fields} | {"case_no": CASE_NO, "confidence": "0.42"}
        assert not latin_words(templates.render(template, **values)), template


def _context() -> Context:
    duty = DutyContacts(units={u: "13900000000" for u in UNITS}, supervision="13900000001")
    return Context(caller=Caller("13800138000", callback_consent=True), duty=duty, urgent=True)


# Representative events of a case's whole life, as notify is handed them.
EVENTS = [
    (events.CASE_DISPATCHED.name, dispatched()),
    (events.CASE_DISPATCHED.name, dispatched(urgent=True)),
    (events.CASE_DISPATCHED.name, dispatched(manual=True, urgent=True)),
    (events.CASE_DISPATCHED.name, dispatched(difficulty="legacy")),
    (events.CASE_SLA_CHANGED.name, sla("light_changed", light="yellow")),
    (events.CASE_SLA_CHANGED.name, sla("breached")),
    (events.CASE_SLA_CHANGED.name, sla("escalated", tier="township", unit_id="U-D01-T01")),
    (events.CASE_SLA_CHANGED.name, sla("escalated", tier="district", deadline="resolve")),
    (events.CASE_SLA_CHANGED.name, sla("supervised", deadline="progress_report")),
    (events.CASE_ACTION.name, action("reopened")),
    (events.CASE_ACTION.name, action("bounced", note="不属于本单位辖区")),
    (events.CASE_ACTION.name, action("extension_requested", note="申请延期 2 个工作日：等配件")),
    (events.CASE_ACTION.name, action("resolved", note="已更换灯泡")),
    (events.CASE_ACTION.name, action("callback_recorded", note="未接通")),
    (events.CASE_RECEIVED.name, {"case_no": CASE_NO}),
]


@pytest.mark.parametrize(("event_type", "fields"), EVENTS, ids=lambda v: str(v)[:40])
def test_notices_for_each_event_read_in_chinese(event_type: str, fields: dict[str, Any]) -> None:
    notices = plan(event_type, fields, Templates.from_file(), _context())
    for n in notices:
        if n.channel != "webhook":
            assert not latin_words(n.body), (n.template, n.body)


def _entry(event_type: str, fields: dict[str, Any], seq: int, **row: Any) -> dict[str, Any]:
    e = entry_of(
        event_type=event_type,
        event_id=f"ev-{seq}",
        source="minhu/test",
        case_no=CASE_NO,
        time=datetime(2026, 11, 30, 8, 0, seq, tzinfo=UTC),
        fields={"case_no": CASE_NO, **fields},
    )
    return {
        "seq": seq,
        "kind": e.kind,
        "event_type": e.event_type,
        "at": e.at,
        "actor": e.actor,
        "actor_name": row.get("actor_name", ""),
        "actor_unit_id": row.get("actor_unit_id", ""),
        "unit_id": e.unit_id,
        "note": e.note,
        "signed_as": e.signed_as,
        "data": e.data,
    }


RECEIVED, DISPATCHED = "minhu.case.received.v1", "minhu.case.dispatched.v1"
SLA, ACTION, CLOSED = "minhu.case.sla.v1", "minhu.case.action.v1", "minhu.case.closed.v1"
NOTIFIED = "minhu.notify.sent.v1"
HUBIN = {"actor_name": "赵科长", "actor_unit_id": "U-D01-T01"}
CENTRE = {"actor_name": "郑派单员", "actor_unit_id": "U-D01-DBZX"}
# A whole history, with the notes sla, dispatch and notify write themselves (older ones too).
HISTORY: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (RECEIVED, {"channel": "app", "operator": "operator", "content": "路灯坏了"}, CENTRE),
    (DISPATCHED, {"unit_id": "U-D01-T01-V01", "tier": "village", "decision": "auto"}, {}),
    (DISPATCHED, {"unit_id": "U-D01-DBZX", "decision": "manual_queue", "manual": True}, {}),
    (SLA, {"kind": "light_changed", "deadline": "accept", "light": "yellow"}, {}),
    (SLA, {"kind": "breached", "deadline": "accept", "tier": "village"}, {}),
    (
        SLA,
        {
            "kind": "escalated",
            "deadline": "accept",
            "tier": "township",
            "from_tier": "village",
            "unit_id": "U-D01-T01",
        },
        {},
    ),
    (SLA, {"kind": "supervised", "deadline": "resolve", "tier": "supervision"}, {}),
    (ACTION, {"action": "accepted", "actor": "hubin", "note": "马上派人"}, HUBIN),
    (ACTION, {"action": "progressed", "actor": "hubin", "note": "已联系供电所"}, HUBIN),
    (
        ACTION,
        {
            "action": "extension_requested",
            "actor": "hubin",
            "note": "申请延期 2（working_days）：等配件",
        },
        HUBIN,
    ),
    (
        ACTION,
        {
            "action": "extension_requested",
            "actor": "hubin",
            "note": "申请延期 30（seconds）：等配件",
        },
        HUBIN,
    ),
    (ACTION, {"action": "extension_decided", "actor": "duban", "note": "批准延期 同意"}, CENTRE),
    (ACTION, {"action": "resolved", "actor": "hubin", "note": "已更换灯泡"}, HUBIN),
    (
        ACTION,
        {
            "action": "callback_recorded",
            "actor": "短信回访",
            "reached": True,
            "satisfied": True,
            "note": "短信回复：1（上行编号 9f8e7d6c5b4a）",
        },
        {},
    ),
    (ACTION, {"action": "reopened", "actor": "paidan", "note": "群众不满意"}, CENTRE),
    (ACTION, {"action": "bounced", "actor": "hubin", "note": "不属本单位"}, HUBIN),
    (ACTION, {"action": "arbitration_opened", "note": "两次退单；提请湖滨街道仲裁"}, {}),
    (CLOSED, {"reason": "callback_satisfied", "note": "群众满意"}, {}),
    (CLOSED, {"reason": "supervisor", "note": "督办销号"}, {}),
    (NOTIFIED, {"channel": "in_app", "recipient": "U-D01-T01-V01", "status": "delivered"}, {}),
    (NOTIFIED, {"channel": "in_app", "recipient": "supervision", "status": "delivered"}, {}),
    (NOTIFIED, {"channel": "in_app", "recipient": "dispatch", "status": "sent"}, {}),
    (NOTIFIED, {"channel": "sms", "recipient": "13800138000", "status": "suppressed"}, {}),
]


def test_every_line_of_a_whole_history_reads_in_chinese() -> None:
    entries = [_entry(t, f, seq, **row) for seq, (t, f, row) in enumerate(HISTORY, start=1)]
    lines = story(entries, lambda u: UNITS.get(u, u), everything=True)
    assert len(lines) == len(HISTORY)
    for line in lines:
        text = f"{line.what} {line.who} {line.note} {line.signed}"
        assert not latin_words(text), (line.kind, text)
    by_kind = {line.kind: line for line in lines}
    assert by_kind["accepted"].who == "赵科长 · 湖滨街道综合执法和便民服务中心"
    assert "（上行编号" not in by_kind["callback_recorded"].note
