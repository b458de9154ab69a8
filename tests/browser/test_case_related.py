"""The handler's case page in Debian's Chromium, on a phone and at the desk: a repeat call of
the same caller is shown on the case it was merged into, and dispatch's decision reads as one
sentence with each of its grounds listed once below it, never repeated in the sentence."""

from __future__ import annotations

import secrets
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.queue_support import browser, context, login, post_case, shot, wait_on_board
from tests.support import StackAddresses

__all__ = ["browser"]


def until_shown(page: Page, url: str, selector: str, timeout: float = 30) -> None:
    """Reload the page until the record shows the element (its event may still be on its way)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if page.locator(selector).count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    expect(page.locator(selector)).to_be_visible()


@pytest.mark.parametrize("screen", ["phone", "desk"])
def test_the_handler_sees_the_repeat_call_and_each_ground_once(
    browser: Browser, stack: StackAddresses, screen: str
) -> None:
    phone = f"139{secrets.randbelow(10**8):08d}"  # a number no open case has yet
    first = post_case(stack, caller_phone=phone)
    again = post_case(stack, caller_phone=phone, content="柳岸花园门口的路灯还是不亮，晚上太黑了")
    assert again != first
    wait_on_board(stack, "liuan", first, "dispatched")

    ctx = context(browser, phone=screen == "phone")
    page = ctx.new_page()
    login(page, stack, "liuan")
    until_shown(page, f"{stack.desk}/cases/{first}", "#repeat-calls")
    expect(page.locator("#repeat-calls")).to_contain_text("重复来电 1 次")
    expect(page.locator("#repeat-calls")).to_contain_text(again)
    # The caller's number is nowhere on the handler's page, masked or not.
    assert phone not in page.locator("body").inner_text()

    # Folded (a closed <details>): read their text, not what is drawn.
    grounds = [g.strip() for g in page.locator("#grounds li").all_text_contents()]
    assert grounds and len(grounds) == len(set(grounds)), grounds
    expect(page.locator("#grounds summary")).to_have_text(f"判定依据（{len(grounds)} 条）")
    sentence = page.locator("#why").inner_text()
    assert "判定依据" not in sentence
    assert not [g for g in grounds if g in sentence], (sentence, grounds)
    page.locator("#grounds summary").click()
    expect(page.locator("#grounds li").first).to_be_visible()
    shot(page, f"related-{screen}-repeat-call-and-grounds")
    ctx.close()
