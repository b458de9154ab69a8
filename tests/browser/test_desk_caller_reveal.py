"""A caller's number in Debian's Chromium: a handler sees it masked and cannot ask for it, a
dispatcher asks for it and sees it in full, and the auditor finds that read in the audit."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Browser, expect

from tests.browser.queue_support import (
    browser,
    context,
    fits_width,
    login,
    post_case,
    shot,
    wait_on_board,
    within_window,
)
from tests.support import StackAddresses

__all__ = ["browser"]
NAME = "欧阳娜娜"


def test_a_dispatchers_full_read_of_a_caller_is_shown_to_them_and_to_the_auditor(
    browser: Browser, stack: StackAddresses
) -> None:
    phone = f"137{secrets.randbelow(10**8):08d}"
    case_no = post_case(stack, caller_phone=phone, caller_name=NAME, callback_consent=True)
    wait_on_board(stack, "liuan", case_no, "dispatched")

    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "liuan")
    page.goto(f"{stack.desk}/cases/{case_no}")
    expect(page.locator("#caller-phone")).to_have_text(phone[:3] + "****" + phone[-4:])
    expect(page.locator("#caller-name")).to_have_text("欧***")
    expect(page.locator("#reveal-caller")).to_have_count(0)
    assert phone not in page.content()
    refused = page.request.post(f"{stack.desk}/cases/{case_no}/caller")
    assert refused.status == 403 and "办理人" in refused.json()["message"]
    shot(page, "caller-1-handler-sees-masked")
    ctx.close()

    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "paidan")
    page.goto(f"{stack.desk}/cases/{case_no}")
    expect(page.locator("#caller-phone")).to_have_text(re.compile(r"^\d{3}\*{4}\d{4}$"))
    shot(page, "caller-2-dispatcher-sees-masked")
    page.click("#reveal-caller")
    expect(page.locator("#caller-phone")).to_have_text(phone)
    expect(page.locator("#caller-name")).to_have_text(NAME)
    expect(page.locator("#reveal-caller")).to_be_hidden()
    shot(page, "caller-3-dispatcher-reveals")
    ctx.close()

    # On a phone the button is within reach and nothing sticks out.
    ctx = context(browser, phone=True)
    page = ctx.new_page()
    login(page, stack, "paidan")
    page.goto(f"{stack.desk}/cases/{case_no}")
    within_window(page, "#reveal-caller")
    fits_width(page)
    page.click("#reveal-caller")
    expect(page.locator("#caller-phone")).to_have_text(phone)
    shot(page, "caller-4-dispatcher-reveals-on-a-phone")
    ctx.close()

    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "auditor")
    expect(page.locator("h1")).to_have_text("访问审计")
    page.fill("#audit-case_no", case_no)
    page.fill("#audit-username", "paidan")
    page.click("#audit-search")
    rows = page.locator(f'tr[data-case="{case_no}"]')
    expect(rows).to_have_count(2)  # the read on the desk screen and the one on the phone
    for row in (rows.nth(0), rows.nth(1)):
        expect(row).to_contain_text("paidan")
        expect(row).to_contain_text("派单员")
        expect(row).to_contain_text("来电号码与姓名")
    assert phone not in page.content()
    shot(page, "caller-5-auditor-finds-the-read")
    ctx.close()
