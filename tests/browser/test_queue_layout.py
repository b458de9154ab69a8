"""The queue UI on a phone (390x844) and an office screen (1366x768) in Debian's Chromium: the
handler's queue, the case page with its action forms, the supervisor's situation map and the
dispatcher's manual queue never scroll sideways, and their main controls are on screen and
work (a case is accepted and an extension approved from each screen)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.queue_support import (
    act,
    browser,
    context,
    fits_width,
    in_first_screen,
    login,
    post_case,
    shot,
    wait_on_board,
    within_window,
)
from tests.support import StackAddresses

__all__ = ["browser"]
LAMP = "柳岸路靠近柳岸花园门口的路灯坏了一个星期了，晚上很黑，老人孩子走路不安全。"
LINK = "https://pan.example.org/s/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMn"
UNSURE = {"title": "咨询", "content": "你好，我想问一下这个事情应该找哪里办理，谢谢。"}


@pytest.mark.parametrize("screen", ["phone", "desk"])
def test_every_page_fits_the_screen_and_its_controls_work(
    browser: Browser, stack: StackAddresses, screen: str
) -> None:
    # Callers paste links and long numbers: one unbroken run of Latin text must wrap too.
    phone = screen == "phone"
    fresh = post_case(stack, content=f"{LAMP}照片见 {LINK}", address="柳岸路柳岸花园门口")
    waiting = post_case(stack)
    # No address: the model cannot place it either, and it links to no earlier case.
    unsure = post_case(stack, address=None, **UNSURE)
    wait_on_board(stack, "liuan", fresh, "dispatched")
    wait_on_board(stack, "liuan", waiting, "dispatched")
    act(stack, "liuan", waiting, "accept", {"note": ""})
    act(stack, "liuan", waiting, "extension", {"amount": 2, "reason": "需供电公司配合更换线路"})

    ctx = context(browser, phone=phone)
    page = ctx.new_page()
    login(page, stack, "liuan")
    # Other tests' cases fill the unit's first pages: the handler looks this one up.
    page.goto(f"{stack.desk}/queue?q={fresh}")
    row = page.locator(f'tr[data-case="{fresh}"]')
    expect(row).to_be_visible()
    fits_width(page)
    within_window(page, f'tr[data-case="{fresh}"] a.case-no')
    within_window(page, f'tr[data-case="{fresh}"] .remain')
    shot(page, f"{screen}-1-handler-queue")

    row.locator("a.case-no").click()
    expect(page.locator("#case-no")).to_have_text(fresh)
    fits_width(page)
    # On either screen the handler signs for a case without hunting for the button.
    in_first_screen(page, "#act-accept button")
    for action in ("accept", "bounce"):
        within_window(page, f"#act-{action} button")
    shot(page, f"{screen}-2-case-page")
    accept = page.locator("#act-accept button")
    if phone:
        accept.tap()
    else:
        accept.click()
    expect(page.locator("#case-state")).to_have_text("已签收", timeout=15_000)
    for action in ("progress", "extension", "resolve"):
        within_window(page, f"#act-{action} button")
    within_window(page, "#act-resolve textarea")
    within_window(page, "#act-extension input[name=amount]")
    fits_width(page)
    shot(page, f"{screen}-3-case-accepted")
    ctx.close()

    ctx = context(browser, phone=phone)
    page = ctx.new_page()
    login(page, stack, "hubin-duban")
    expect(page.locator("h1")).to_contain_text("作战图")
    request = page.locator(f'#extensions tr[data-case="{waiting}"]')
    expect(request).to_be_visible(timeout=15_000)
    fits_width(page)
    if phone:
        # What waits for the supervisor's decision comes before the figures.
        in_first_screen(page, "#extensions h2")
    within_window(page, "#rates table")
    within_window(page, f'#extensions tr[data-case="{waiting}"] select[name=approve]')
    within_window(page, f'#extensions tr[data-case="{waiting}"] button')
    shot(page, f"{screen}-4-supervisor-map")
    request.locator("input[name=note]").fill("同意")
    request.locator("button").click()
    expect(page.locator(f'#extensions tr[data-case="{waiting}"]')).to_have_count(0, timeout=15_000)
    fits_width(page)
    ctx.close()

    ctx = context(browser, phone=phone)
    page = ctx.new_page()
    login(page, stack, "paidan")
    page.goto(f"{stack.desk}/manual?q={unsure}")
    expect(page.locator(f'tr[data-case="{unsure}"]')).to_be_visible(timeout=15_000)
    fits_width(page)
    within_window(page, f'tr[data-case="{unsure}"] select[name=unit_id]')
    within_window(page, f'tr[data-case="{unsure}"] input[name=note]')
    within_window(page, f'tr[data-case="{unsure}"] button')
    shot(page, f"{screen}-5-dispatcher-manual")
    ctx.close()
