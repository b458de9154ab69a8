"""联动办 in Debian's Chromium: a co-unit's handler finds the part in their own queue
(协办任务), accepts it and reports their result from the case page; the lead sees every
part and is offered 办结 only once no part is open (or 强制办结 with a reason)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from playwright.sync_api import Browser, expect

from services.common.settings import CommonSettings
from tests.browser.queue_support import act, browser, context, login, post_case, shot, title_tag
from tests.support import INTAKE_HEADERS, StackAddresses

__all__ = ["browser"]

AS_DESK = CommonSettings().service_headers("desk")
BUREAU = "U-D01-CGJ"


def _joint_case(stack: StackAddresses) -> tuple[str, list[str]]:
    """A vague case a dispatcher judges 联动办 (城乡建设, complex): lead and co-units."""
    case_no = post_case(
        stack,
        title=f"咨询联动 {title_tag()}",
        content="你好，我想问一下这个事情应该找哪里办理，谢谢。",
        address="青山镇",
    )
    with httpx.Client(timeout=15, headers=INTAKE_HEADERS) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            queue = client.get(f"{stack.dispatch}/v1/manual-queue", headers=AS_DESK).json()
            if any(q["case_no"] == case_no for q in queue):
                break
            time.sleep(0.5)
        done = client.post(
            f"{stack.dispatch}/v1/manual-queue/{case_no}/dispatch",
            json={"actor": "paidan", "topic": "城乡建设", "difficulty": "complex"},
            headers=AS_DESK,
        )
        assert done.status_code == 200, done.text
        stored: dict[str, Any] = done.json()
    assert BUREAU in stored["co_unit_ids"], stored
    return case_no, list(stored["co_unit_ids"])


def test_a_co_unit_handler_reports_their_part(browser: Browser, stack: StackAddresses) -> None:
    case_no, co = _joint_case(stack)
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "cgj")
    # The co-unit's queue holds its part of the joint case, apart from its own cases.
    held = page.locator(f'#parts-held tr[data-case="{case_no}"]')
    for _ in range(30):
        page.goto(f"{stack.desk}/queue?q={case_no}")
        if held.count():
            break
        page.wait_for_timeout(1000)
    expect(held).to_contain_text("待签收")
    expect(held).to_contain_text("明湖区住房和城乡建设局")
    shot(page, "joint-1-co-unit-queue")

    held.locator("a.case-no").click()
    expect(page.locator("#case-no")).to_have_text(case_no)
    part = page.locator(f'#parts tr[data-part="{BUREAU}"]')
    expect(part).to_contain_text("待签收")
    # The co-unit works its own part only: no lead's forms, no other co-unit's.
    expect(page.locator("#act-accept")).to_have_count(0)
    for other in (u for u in co if u != BUREAU):
        expect(page.locator(f"#act-part-accept-{other}")).to_have_count(0)
    page.click(f"#act-part-accept-{BUREAU} button")
    expect(part).to_contain_text("已签收", timeout=20_000)
    page.fill(f"#act-part-report-{BUREAU} textarea", "已对占道经营依法处置，现场恢复通行")
    page.click(f"#act-part-report-{BUREAU} button")
    expect(part).to_contain_text("已反馈", timeout=20_000)
    expect(part).to_contain_text("已对占道经营依法处置")
    expect(page.locator("#timeline")).to_contain_text("反馈协办结果")
    shot(page, "joint-2-co-unit-reported")
    ctx.close()

    # The lead reads every part; with a part still open it is offered 强制办结, not 办结.
    act(stack, "zjj", case_no, "accept", {"note": ""})
    lead_ctx = context(browser)
    lead = lead_ctx.new_page()
    login(lead, stack, "zjj")
    lead.goto(f"{stack.desk}/cases/{case_no}")
    expect(lead.locator(f'#parts tr[data-part="{BUREAU}"]')).to_contain_text("已反馈")
    expect(lead.locator("#case-state")).to_have_text("已签收", timeout=20_000)
    if len(co) > 1:
        expect(lead.locator("#parts-summary")).to_have_text(re.compile("尚有 1 家协办单位"))
        expect(lead.locator("#act-resolve")).to_have_count(0)
        expect(lead.locator("#act-parts-override button")).to_be_visible()
    else:
        expect(lead.locator("#act-resolve button")).to_be_visible()
    shot(lead, "joint-3-lead-sees-every-part")
    lead_ctx.close()
