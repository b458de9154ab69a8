"""The handler's queue in Debian's Chromium: a new case appears without reload, is accepted
and resolved from its page, which offers 办结 only once it is accepted; another village's
handler is refused."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.queue_support import browser, context, login, post_case, shot, title_tag
from tests.support import StackAddresses

__all__ = ["browser"]


def test_a_new_case_appears_live_and_is_accepted_and_resolved(
    browser: Browser, stack: StackAddresses
) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "liuan")
    expect(page).to_have_url(re.compile(r"/queue$"))
    expect(page.locator("h1")).to_contain_text("柳岸社区居民委员会")
    # The unit's list holds every case other tests filed there, thirty a page: the handler
    # narrows it to a word of the coming case's title, and the live list keeps the filter.
    tag = title_tag()
    page.goto(f"{stack.desk}/queue?q={tag}")
    expect(page.locator("body")).to_have_attribute("data-stream", "open", timeout=15_000)
    page.evaluate("window.__sameDocument = true")

    case_no = post_case(stack, title=f"柳岸路路灯不亮 {tag}")
    row = page.locator(f'tr[data-case="{case_no}"]')
    expect(row).to_be_visible(timeout=15_000)
    expect(row).to_contain_text("待签收")
    expect(row.locator(".light")).to_have_text("绿灯")
    expect(row.locator(".remain")).to_have_text(re.compile(r"^剩余 "), timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    shot(page, "1-handler-new-case-live")

    row.locator("a.case-no").click()
    expect(page.locator("#case-no")).to_have_text(case_no)
    expect(page.locator("#caller-phone")).to_have_text(re.compile(r"^\d{3}\*{4}\d{4}$"))
    # Before 签收 there is nothing to resolve: the page offers 签收 and 退单 only.
    expect(page.locator("#act-accept button")).to_be_visible()
    expect(page.locator("#act-bounce button")).to_be_visible()
    expect(page.locator("#act-resolve")).to_have_count(0)
    shot(page, "2-handler-before-accept")

    page.click("#act-accept button")
    expect(page.locator("#case-state")).to_have_text("已签收", timeout=15_000)
    page.fill("#act-resolve textarea", "已更换路灯，现场恢复照明")
    page.check("#act-resolve input[name=signed]")
    page.click("#act-resolve button")
    expect(page.locator("#case-state")).to_have_text("已办结待回访", timeout=15_000)
    # The record names the one who verified the result (核实人) as the signed-in handler.
    expect(page.locator("#timeline")).to_contain_text("核实人：")
    shot(page, "3-handler-resolved")
    ctx.close()


def test_a_village_handler_cannot_open_another_units_case(
    browser: Browser, stack: StackAddresses
) -> None:
    case_no = post_case(stack)
    ctx = context(browser, phone=True)
    page = ctx.new_page()
    login(page, stack, "jinqiao")
    # The case belongs to 柳岸社区: it is not in 金桥社区's queue, and its page says why.
    expect(page.locator(f'tr[data-case="{case_no}"]')).to_have_count(0)
    resp = page.goto(f"{stack.desk}/cases/{case_no}")
    assert resp is not None and resp.status == 403
    expect(page.locator("#denied")).to_contain_text("不属于本单位")
    shot(page, "4-village-handler-refused-phone")
    ctx.close()
