"""The operator console in Debian's Chromium: signed in at the desk first, validation keeps
the input, a case gets its number and timeline, search finds it, a repeat call shows its
link. Screenshots go to test-artifacts/. Needs the desk's login and session API."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.queue_support import ARTIFACTS, browser, login
from tests.support import StackAddresses

__all__ = ["browser"]

CONTENT = "柳岸路靠近柳岸花园门口的路灯坏了一个星期了，晚上一片漆黑，走路很不安全。"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    yield context.new_page()
    context.close()


def shot(page: Page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"console-{name}.png"), full_page=True)


def test_operator_creates_a_case_and_follows_it(page: Page, stack: StackAddresses) -> None:
    phone = f"136{secrets.randbelow(10**8):08d}"
    # Not signed in: the console sends the visitor to the desk's login and back.
    page.goto(stack.intake + "/")
    expect(page).to_have_url(re.compile(re.escape(stack.desk) + r"/login\?next="))
    login(page, stack, "operator")
    if not page.url.startswith(stack.intake):
        page.goto(stack.intake + "/")
    expect(page.locator("#f-caller_phone")).to_be_focused()
    expect(page.locator("#who-name")).not_to_be_empty()
    expect(page.locator("#logout")).to_have_attribute("href", stack.desk + "/logout")
    expect(page.locator("#f-operator")).to_have_count(0)

    # A wrong number: the inline message appears, nothing typed is lost.
    page.keyboard.type("12345")
    page.fill("#f-caller_name", "张女士")
    page.fill("#f-address", "柳岸路柳岸花园门口")
    page.fill("#f-content", CONTENT)
    page.click("#submit")
    expect(page.locator("#e-caller_phone")).to_contain_text("电话号码格式不正确")
    expect(page.locator("#f-content")).to_have_value(CONTENT)
    expect(page.locator("#f-caller_phone")).to_be_focused()
    shot(page, "1-validation")

    # Corrected, then submitted from the keyboard.
    page.fill("#f-caller_phone", phone)
    page.focus("#f-content")
    page.keyboard.press("Control+Enter")
    number = page.locator("#created-no")
    expect(number).to_have_text(re.compile(r"^\d{8} \d{6}$"), timeout=10_000)
    case_no = number.inner_text().replace(" ", "")
    expect(page.locator("#created-repeat")).to_be_hidden()
    expect(page.locator("#f-content")).to_have_value("")

    # The timeline fills in as dispatch, sla and notify take the case.
    view = page.locator("#case-view")
    expect(view).to_contain_text(number.inner_text())
    # Whether dispatch routes it or queues it for a person, it names a unit and notifies.
    expect(view).to_contain_text("承办单位", timeout=20_000)
    expect(view).to_contain_text("站内消息", timeout=20_000)
    expect(view).to_contain_text("何话务员")  # the signed-in operator took the call, by name
    # The console shows the caller's number masked; the desk shows it in full, audited.
    expect(view).to_contain_text(f"{phone[:3]}****{phone[-4:]}")
    expect(view).not_to_contain_text(phone)
    shot(page, "2-created-timeline")

    # Search by phone from the keyboard.
    page.keyboard.press("Alt+S")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    expect(view).to_contain_text(number.inner_text())

    # The same caller again about the same lamp: linked, not a second work order.
    page.keyboard.press("Alt+N")
    page.fill("#f-caller_phone", phone)
    page.fill("#f-address", "柳岸路柳岸花园")
    page.fill("#f-content", "柳岸花园门口的路灯还是坏的，晚上一片漆黑，上次反映过了")
    page.click("#submit")
    note = page.locator("#created-repeat")
    expect(note).to_be_visible(timeout=10_000)
    expect(note).to_contain_text(f"{case_no[:8]} {case_no[8:]}")
    expect(view).to_contain_text("重复来电", timeout=10_000)
    shot(page, "3-repeat-call")
