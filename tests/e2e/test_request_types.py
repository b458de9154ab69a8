"""Each request type's path through Kafka and Temporal: a consultation answered on the call
is closed at intake and never reaches dispatch (the desk counts it 直接答复 for the centre);
a complaint is dispatched with its type explained and its deadlines run; a praise is told to
the unit and closed without deadlines. Then the knowledge base's upkeep and the citizens'
look-up."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import asyncpg
import httpx

from tests.support import (
    AS_INTAKE,
    StackAddresses,
    case_events,
    eventually,
    get_json,
    new_case,
    signed_in,
)

CENTRE = "U-D01-DBZX"
QUESTION = "请问外地户口在明湖区租房住，想办居住证，需要带什么材料，在哪里办？"


async def _record(stack: StackAddresses, http: httpx.AsyncClient, case_no: str, *whats: str) -> Any:
    """The case's story once it has a line for each of `whats` (its events come by several
    topics, so in no fixed order)."""

    async def recorded() -> Any:
        found = await get_json(http, f"{stack.desk}/v1/cases/{case_no}/record", AS_INTAKE)
        lines = (found or {}).get("story") or []
        have = all(any(w in line["what"] for line in lines) for w in whats)
        return lines if have else None

    return await eventually(recorded, timeout=30)


async def _board(stack: StackAddresses, case_no: str) -> tuple[Any, list[Any]]:
    conn = await asyncpg.connect(stack.dsn("minhu_desk"))
    try:
        row = await conn.fetchrow("SELECT * FROM board_cases WHERE case_no = $1", case_no)
        marks = await conn.fetch(
            "SELECT unit_id, mark FROM board_marks WHERE case_no = $1 ORDER BY mark", case_no
        )
    finally:
        await conn.close()
    return row, [(m["unit_id"], m["mark"]) for m in marks]


async def _lookup(stack: StackAddresses, case_no: str, last4: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as anonymous:
        return await anonymous.post(
            f"{stack.intake}/v1/lookup", json={"case_no": case_no, "phone_last4": last4}
        )


async def test_a_consultation_answered_on_the_call_is_closed_at_intake(
    stack: StackAddresses, http: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    hints = await operator.post(f"{stack.intake}/v1/suggestions", json={"content": QUESTION})
    assert hints.status_code == 200, hints.text
    assert hints.json()["request_type"]["type"] == "consultation"
    assert "“请问”" in hints.json()["request_type"]["explanation"]
    best = hints.json()["answers"][0]
    assert best["title"] == "居住证申领" and best["source_unit_name"] == "明湖区公安分局"

    phone = f"139{secrets.randbelow(10**8):08d}"
    body = new_case(
        caller_phone=phone,
        title="咨询居住证办理",
        content=QUESTION,
        request_type="consultation",
        answer=best["body"],
        answer_source=str(best["entry_id"]),
    )
    created = await operator.post(f"{stack.intake}/v1/cases", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "closed"
    assert "直接答复" in created.json()["message"]
    case_no = created.json()["case_no"]
    # A complaint filed after it is dispatched: dispatch has read past the consultation.
    control = await http.post(f"{stack.intake}/v1/cases", json=new_case(request_type="complaint"))
    control_no = control.json()["case_no"]

    stored = await operator.get(f"{stack.intake}/v1/cases/{case_no}")
    assert stored.json()["status"] == "closed" and stored.json()["answer"] == best["body"]
    assert stored.json()["request_type"] == "consultation"
    story = await _record(stack, http, case_no, "直接答复", "咨询")
    closed = next(line for line in story if "直接答复" in line["what"])
    assert closed["note"] == best["body"]
    assert any("咨询" in line["what"] for line in story)  # 受理（电话，咨询）

    row, marks = await _board(stack, case_no)
    assert row["state"] == "closed" and row["request_type"] == "consultation"
    assert row["close_reason"] == "answered_directly" and row["unit_id"] == CENTRE
    assert set(marks) == {
        (CENTRE, "answered_directly"),
        (CENTRE, "assigned"),
        (CENTRE, "accepted"),
        (CENTRE, "resolved"),
    }

    async def control_dispatched() -> Any:
        return await get_json(http, f"{stack.dispatch}/v1/cases/{control_no}", AS_INTAKE)

    await eventually(control_dispatched, timeout=30)
    assert (
        await http.get(f"{stack.dispatch}/v1/cases/{case_no}", headers=AS_INTAKE)
    ).status_code == 404
    assert (await http.get(f"{stack.sla}/v1/cases/{case_no}", headers=AS_INTAKE)).status_code == 404
    assert not await case_events(stack.kafka, "case.dispatched", case_no, idle_ms=500)

    # The month's report counts it for the centre (not ranked) and by type.
    duban = await signed_in(stack, "duban")
    try:
        report = await duban.get(f"{stack.desk}/reports")
    finally:
        await duban.aclose()
    assert report.status_code == 200, report.text[:300]
    assert "按诉求类型" in report.text and "咨询" in report.text
    assert "明湖区12345督办中心" in report.text

    # The citizen reads the answer with the right digits; wrong digits read as no case.
    found = await _lookup(stack, case_no, phone[-4:])
    assert found.status_code == 200, found.text
    assert found.json()["answer"] == best["body"] and found.json()["closed"]
    assert phone not in found.text and "张女士" not in found.text
    wrong = await _lookup(stack, case_no, f"{(int(phone[-4:]) + 1) % 10000:04d}")
    unknown = await _lookup(stack, "20000101999999", phone[-4:])
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content == unknown.content


async def test_a_complaint_is_dispatched_and_its_deadlines_run(
    stack: StackAddresses, http: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    created = await operator.post(
        f"{stack.intake}/v1/cases", json=new_case(request_type="complaint")
    )
    assert created.status_code == 201, created.text
    case_no = created.json()["case_no"]

    async def assigned() -> Any:
        return await get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE)

    assignment = await eventually(assigned, timeout=30)
    assert assignment["request_type"] == "complaint"
    # Why it has its type is one of the decision's grounds (listed, not repeated inline).
    assert any("诉求类型「投诉」" in r for r in assignment["reasons"]), assignment["reasons"]

    async def running() -> Any:
        status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}", AS_INTAKE)
        return status if status and status["accept_due"] else None

    await eventually(running, timeout=40)
    await _record(stack, http, case_no, "派单")
    row, marks = await _board(stack, case_no)
    assert row["request_type"] == "complaint"
    assert (assignment["unit_id"], "assigned") in marks


async def test_a_praise_is_told_to_the_unit_and_closed_without_deadlines(
    stack: StackAddresses, http: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    body = new_case(
        title="表扬柳岸社区",
        content="我要表扬柳岸社区的王书记，上周帮我家老人办好了低保，还上门送了材料，非常感谢！",
        request_type="praise",
    )
    created = await operator.post(f"{stack.intake}/v1/cases", json=body)
    assert created.status_code == 201, created.text
    assert "表扬" in created.json()["message"]
    case_no = created.json()["case_no"]

    story = await _record(stack, http, case_no, "表扬已转达", "自动派单")
    row, marks = await _board(stack, case_no)
    assert row["state"] == "closed" and row["request_type"] == "praise"
    assert row["close_reason"] == "praise_forwarded" and row["unit_id"]
    assert marks == []  # in no unit's rates
    assert any(line["what"].startswith("自动派单") for line in story)

    async def told() -> Any:
        sent = await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
        return [n for n in sent or [] if n["template"] == "handler_praise"]

    notices = await eventually(told, timeout=30)
    assert notices[0]["recipient"] == row["unit_id"] and "表扬" in notices[0]["body"]
    assert (await http.get(f"{stack.sla}/v1/cases/{case_no}", headers=AS_INTAKE)).status_code == 404

    async def closed_at_intake() -> Any:
        case = await get_json(http, f"{stack.intake}/v1/cases/{case_no}")
        return case if case and case["status"] == "closed" else None

    await eventually(closed_at_intake, timeout=30)
    found = await _lookup(stack, case_no, body["caller_phone"][-4:])
    assert found.json()["state"] == "表扬已转达承办单位"


def _entry(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "社区老年食堂就餐登记",
        "body": "本社区60周岁以上老人可持身份证到社区服务中心登记，在老年食堂享受优惠就餐。",
        "topic": "民政",
        "keywords": "老年食堂,助餐,就餐",
        "source_unit_id": "U-D01-T01-V01",
        "valid_from": "2026-01-01",
    }
    body.update(overrides)
    return body


async def test_the_knowledge_base_is_kept_by_admins_and_its_own_unit(
    stack: StackAddresses, operator: httpx.AsyncClient
) -> None:
    admin = await signed_in(stack, "admin")
    own = await signed_in(stack, "liuan")  # 柳岸社区
    other = await signed_in(stack, "jinqiao")  # 金桥社区
    try:
        title = f"社区老年食堂就餐登记{secrets.token_hex(3)}"
        made = await own.post(f"{stack.intake}/v1/knowledge", json=_entry(title=title))
        assert made.status_code == 201, made.text
        entry_id = made.json()["entry_id"]
        refused = await other.put(
            f"{stack.intake}/v1/knowledge/{entry_id}", json=_entry(title=title)
        )
        assert refused.status_code == 403 and "本单位" in refused.json()["message"]
        elsewhere = await other.post(f"{stack.intake}/v1/knowledge", json=_entry())
        assert elsewhere.status_code == 403
        retired = await admin.put(
            f"{stack.intake}/v1/knowledge/{entry_id}",
            json=_entry(title=title, valid_until="2026-01-31"),
        )
        assert retired.status_code == 200 and retired.json()["version"] == 2
        read = await operator.get(f"{stack.intake}/v1/knowledge/{entry_id}")
        history = read.json()["history"]
        assert [(h["version"], h["action"], h["by_username"]) for h in history] == [
            (1, "created", "liuan"),
            (2, "updated", "admin"),
        ]
        assert history[1]["entry"]["valid_until"] == "2026-01-31"
        assert read.json()["valid_today"] is False
        hints = await operator.post(
            f"{stack.intake}/v1/suggestions", json={"content": "老年食堂怎么登记就餐"}
        )
        assert entry_id not in [a["entry_id"] for a in hints.json()["answers"]]
        assert (
            await operator.post(f"{stack.intake}/v1/knowledge", json=_entry())
        ).status_code == 403
    finally:
        await asyncio.gather(admin.aclose(), own.aclose(), other.aclose())


async def test_lookups_of_one_address_are_limited(stack: StackAddresses) -> None:
    # Other tests look up from this address too: wait until the bucket admits one again,
    # and a little longer, so the burst below starts with a look-up to spare.
    async def admitted() -> bool:
        return (await _lookup(stack, "20000101999999", "0000")).status_code == 404

    await eventually(admitted, timeout=60, interval=1)
    await asyncio.sleep(7)  # one more token (10 a minute)
    statuses = [(await _lookup(stack, "20000101999999", "0000")).status_code for _ in range(25)]
    assert statuses[0] == 404 and 429 in statuses
