"""Manual dispatch (人工派单) through the real stack: the queue suggests a unit that can take
the case, not the 12345 centre routing fell back on; once dispatched by hand, the stored and
shown explanation is the model's judgement the dispatcher saw, with who decided."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from services.common.jurisdiction import DISPATCH_CENTRE, Directory
from tests.support import (
    AS_INTAKE,
    StackAddresses,
    desk_login_async,
    eventually,
    get_json,
    new_case,
)

# No place and no matter in it: routing cannot locate it and the model is unsure.
VAGUE = {
    "title": "咨询",
    "content": "你好，我想问一下这个事情应该找哪里办理，谢谢。",
    "address": None,
}
NOTE = "按主题交牵头部门"


async def _queued(stack: StackAddresses, http: httpx.AsyncClient, case_no: str) -> dict[str, Any]:
    async def listed() -> dict[str, Any] | None:
        queue = await get_json(http, f"{stack.dispatch}/v1/manual-queue") or []
        return next((q for q in queue if q["case_no"] == case_no), None)

    found: dict[str, Any] = await eventually(listed, timeout=30)
    return found


async def test_the_queue_suggests_a_handling_unit_and_the_decision_keeps_what_was_shown(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    directory = Directory.from_file()
    resp = await http.post(f"{stack.intake}/v1/cases", json=new_case(**VAGUE))
    assert resp.status_code == 201, resp.text
    case_no = str(resp.json()["case_no"])
    item = await _queued(stack, http, case_no)
    # Routing falls back on the centre; the suggestion is a unit that takes cases.
    assert directory.unit(item["unit_id"]).role == DISPATCH_CENTRE
    suggested = directory.unit(item["suggested_unit_id"])
    assert suggested.role != DISPATCH_CENTRE and item["suggested_unit_name"] == suggested.name
    assert item["suggestion"], item
    shown_explanation = item["explanation"]
    assert f"置信度 {item['confidence']:.2f}" in shown_explanation

    dispatcher = httpx.AsyncClient(base_url=stack.desk, timeout=15.0)
    await desk_login_async(dispatcher, "paidan")
    try:

        async def on_page() -> str | None:
            page = (await dispatcher.get("/manual")).text
            return page if f'data-case="{case_no}"' in page else None

        page = await eventually(on_page, timeout=30)
        row = page[page.index(f'<tr data-case="{case_no}"') :]
        row = html.unescape(row[: row.index("</tr>")])
        # The picker starts on the suggested unit; the row says the model's confidence.
        assert re.search(rf'<option value="{suggested.id}" selected>', row), row
        assert suggested.name in row and f"置信度 {item['confidence']:.2f}" in row
        done = await dispatcher.post(
            f"/ui/manual/{case_no}", json={"unit_id": suggested.id, "note": NOTE}
        )
        assert done.status_code == 200, done.text
    finally:
        await dispatcher.aclose()

    stored = await get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE)
    assert stored is not None and stored["manual"] is False
    assert stored["unit_id"] == suggested.id
    assert stored["confidence"] == item["confidence"]
    explanation = stored["explanation"]
    assert explanation.startswith(f"人工派单（paidan）：{NOTE}；派至{suggested.name}。")
    assert explanation.endswith(shown_explanation)
    assert "置信度 1.00" not in explanation and "判定依据：。" not in explanation

    # The desk's case page shows the same explanation and the model's confidence.
    supervisor = httpx.AsyncClient(base_url=stack.desk, timeout=15.0)
    await desk_login_async(supervisor, "admin")
    try:

        async def shown() -> str | None:
            text = html.unescape((await supervisor.get(f"/cases/{case_no}")).text)
            return text if explanation in text else None

        case_page = await eventually(shown, timeout=30)
    finally:
        await supervisor.aclose()
    assert f"<dt>置信度</dt><dd>{item['confidence']:.2f}</dd>" in case_page
