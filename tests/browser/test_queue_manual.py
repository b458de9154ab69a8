"""The dispatcher's manual queue (人工派单) in Debian's Chromium: a case the classifier is unsure
about arrives live with the model's suggestion; dispatching it without a unit is refused in
place; dispatched to a village, it appears live in that village handler's queue."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Browser, expect

from tests.browser.queue_support import browser, context, login, post_case, shot, title_tag
from tests.support import SERVICE_HEADERS, StackAddresses

__all__ = ["browser"]
# A question with no matter in it: the classifier's confidence stays under the threshold.
UNSURE = {"title": "咨询", "content": "你好，我想问一下这个事情应该找哪里办理，谢谢。"}
CHOSEN = "U-D01-T01-V01"  # 柳岸社区, whose handler is liuan


def suggestion_of(stack: StackAddresses, case_no: str) -> dict[str, Any]:
    """The model's suggestion for a case in the manual queue, as dispatch's API gives it."""
    resp = httpx.get(f"{stack.dispatch}/v1/manual-queue", headers=SERVICE_HEADERS, timeout=10)
    (item,) = [q for q in resp.json() if q["case_no"] == case_no]
    return dict(item)


def test_dispatcher_sends_an_unsure_case_to_a_village_that_sees_it_live(
    browser: Browser, stack: StackAddresses
) -> None:
    handler_ctx = context(browser)
    handler = handler_ctx.new_page()
    login(handler, stack, "liuan")
    # Both lists hold other tests' (and seeded) cases, thirty a page: each person narrows
    # theirs to a word of the coming case's title, and the live lists keep the filter.
    tag = title_tag()
    handler.goto(f"{stack.desk}/queue?q={tag}")
    expect(handler.locator("body")).to_have_attribute("data-stream", "open", timeout=15_000)
    handler.evaluate("window.__sameDocument = true")

    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "paidan")
    expect(page).to_have_url(re.compile(r"/manual$"))
    expect(page.locator("h1")).to_have_text("人工派单")
    page.goto(f"{stack.desk}/manual?q={tag}")
    expect(page.locator("body")).to_have_attribute("data-stream", "open", timeout=15_000)

    unsure = {**UNSURE, "title": f"{UNSURE['title']} {tag}"}
    case_no = post_case(stack, address="柳岸路柳岸花园门口", **unsure)
    row = page.locator(f'tr[data-case="{case_no}"]')
    expect(row).to_be_visible(timeout=15_000)
    model = suggestion_of(stack, case_no)
    suggestion = row.locator('td[data-label="建议"]')
    expect(suggestion).to_contain_text(model["suggested_unit_name"])
    expect(suggestion).to_contain_text(f"置信度 {model['confidence']:.2f}")
    assert model["confidence"] < 0.3, model
    expect(row.locator('td[data-label="理由"]')).to_contain_text("置信度")
    # The picker starts on the suggested unit, ready to confirm with one click.
    expect(row.locator("select[name=unit_id]")).to_have_value(model["suggested_unit_id"])
    shot(page, "manual-1-suggestion")

    # No unit picked: refused in place, the case stays in the queue.
    row.locator("select[name=unit_id]").select_option("")
    row.get_by_role("button", name="派单").click()
    expect(page.locator("#action-msg")).to_contain_text("请选择承办单位", timeout=10_000)
    expect(row).to_be_visible()
    shot(page, "manual-2-no-unit-refused")

    row.locator("select[name=unit_id]").select_option(CHOSEN)
    row.locator("input[name=note]").fill("路灯报修，属社区日常维护")
    row.get_by_role("button", name="派单").click()
    expect(page.locator("#toast")).to_contain_text("派单成功", timeout=10_000)
    expect(page.locator(f'tr[data-case="{case_no}"]')).to_have_count(0, timeout=15_000)
    shot(page, "manual-3-dispatched")

    # The village handler's queue shows it without a reload, as a case waiting to be accepted.
    mine = handler.locator(f'tr[data-case="{case_no}"]')
    expect(mine).to_be_visible(timeout=15_000)
    expect(mine).to_contain_text("待签收")
    assert handler.evaluate("window.__sameDocument") is True, "the handler's page was reloaded"
    shot(handler, "manual-4-handler-queue-live")

    # The case page tells the handler who dispatched it and why.
    mine.locator("a.case-no").click()
    expect(handler.locator("#case-unit")).to_contain_text("柳岸社区")
    expect(handler.locator("#timeline")).to_contain_text("派单")
    ctx.close()
    handler_ctx.close()
