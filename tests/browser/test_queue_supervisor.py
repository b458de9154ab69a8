"""The township supervisor's situation map in Debian's Chromium: the three rates change as a
case is resolved, and an extension request is approved from the map."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.queue_support import (
    act,
    browser,
    context,
    login,
    post_case,
    shot,
    wait_on_board,
)
from tests.support import StackAddresses

__all__ = ["browser"]
UNIT = "U-D01-T01-V01"


def test_supervisor_sees_rates_change_and_approves_an_extension(
    browser: Browser, stack: StackAddresses
) -> None:
    first, second = post_case(stack), post_case(stack)
    wait_on_board(stack, "liuan", first, "dispatched")
    wait_on_board(stack, "liuan", second, "dispatched")
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "hubin-duban")
    expect(page).to_have_url(re.compile(r"/map$"))
    expect(page.locator("h1")).to_contain_text("作战图")
    expect(page.locator("body")).to_have_attribute("data-stream", "open", timeout=15_000)
    rates = page.locator(f'#rates tr[data-unit="{UNIT}"]')
    expect(rates).to_be_visible()
    resolution_before = rates.locator('td[data-label="解决率"]').inner_text()
    shot(page, "5-supervisor-map-before")

    # The village handler resolves one case and asks for more time on the other.
    act(stack, "liuan", first, "accept", {"note": ""})
    act(stack, "liuan", first, "resolve", {"note": "已修复", "signed": True})
    act(stack, "liuan", second, "accept", {"note": ""})
    act(stack, "liuan", second, "extension", {"amount": 2, "reason": "需供电公司配合更换线路"})

    # Live: the resolution rate moves and the request shows up without a reload.
    expect(rates.locator('td[data-label="解决率"]')).not_to_have_text(
        resolution_before, timeout=15_000
    )
    request = page.locator(f'#extensions tr[data-case="{second}"]')
    expect(request).to_be_visible(timeout=15_000)
    shot(page, "6-supervisor-map-rates-changed")

    request.locator("select[name=approve]").select_option("true")
    request.locator("input[name=note]").fill("同意延期")
    request.locator("button").click()
    expect(page.locator(f'#extensions tr[data-case="{second}"]')).to_have_count(0, timeout=15_000)
    shot(page, "7-supervisor-extension-approved")

    page.goto(f"{stack.desk}/cases/{second}")
    expect(page.locator("#timeline")).to_contain_text("延期审批")
    ctx.close()
