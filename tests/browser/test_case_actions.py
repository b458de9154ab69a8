"""The case page in Debian's Chromium, on a phone (390x844) and at the desk (1366x768): each
person is offered exactly the actions the case's state and their role allow, and where they
have none the page says what the case waits for. On the phone the next action is on the first
screen; the success message never covers the 办结 form; a resolved case shows no countdown."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.queue_support import (
    browser,
    context,
    fits_width,
    in_first_screen,
    login,
    post_case,
    shot,
    wait_on_board,
)
from tests.support import StackAddresses

__all__ = ["browser"]


def offered(page: Page, *actions: str) -> None:
    """The page offers exactly these actions, in this order (live refreshes settle first)."""
    forms = page.locator("form.act")
    expect(forms).to_have_count(len(actions), timeout=15_000)
    got = forms.evaluate_all("(els) => els.map((el) => el.dataset.action)")
    assert got == list(actions), got


def open_case(ctx: BrowserContext, stack: StackAddresses, username: str, case_no: str) -> Page:
    page = ctx.new_page()
    login(page, stack, username)
    page.goto(f"{stack.desk}/cases/{case_no}")
    expect(page.locator("#case-no")).to_have_text(case_no)
    return page


def covers(page: Page, over: str, under: str) -> bool:
    """Whether a shown element lies over another one's box."""
    return bool(
        page.evaluate(
            """([over, under]) => {
              const a = document.querySelector(over), b = document.querySelector(under);
              if (!a || !b || Number(getComputedStyle(a).opacity) === 0) return false;
              const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
              return p.width > 0 && p.left < q.right && q.left < p.right &&
                p.top < q.bottom && q.top < p.bottom;
            }""",
            [over, under],
        )
    )


@pytest.mark.parametrize("screen", ["phone", "desk"])
def test_each_person_is_offered_what_the_state_and_their_role_allow(
    browser: Browser, stack: StackAddresses, screen: str
) -> None:
    phone = screen == "phone"
    case_no = post_case(stack)
    wait_on_board(stack, "liuan", case_no, "dispatched")
    handler_ctx = context(browser, phone=phone)
    dispatcher_ctx = context(browser, phone=phone)
    supervisor_ctx = context(browser, phone=phone)

    # Before 签收: the handler signs for it or bounces it, nothing else.
    handler = open_case(handler_ctx, stack, "liuan", case_no)
    offered(handler, "accept", "bounce")
    in_first_screen(handler, "#act-accept button")
    fits_width(handler)
    shot(handler, f"actions-{screen}-1-before-accept")

    # The dispatcher has no 回访 to record yet: only 不予受理 and 合并 of an open case.
    dispatcher = open_case(dispatcher_ctx, stack, "paidan", case_no)
    offered(dispatcher, "reject", "merge")
    shot(dispatcher, f"actions-{screen}-2-dispatcher-before-resolve")
    # The supervisor may close (督办销号), reject, merge or transfer, with no extension to decide.
    supervisor = open_case(supervisor_ctx, stack, "hubin-duban", case_no)
    offered(supervisor, "close", "reject", "merge", "transfer")

    # After 签收: the handler's working actions.
    handler.locator("#act-accept button").click()
    expect(handler.locator("#case-state")).to_have_text("已签收", timeout=15_000)
    offered(handler, "progress", "extension", "resolve", "takeover")
    expect(handler.locator("#action-msg")).to_have_text("签收成功")
    assert not covers(handler, "#toast", "#act-resolve"), "the toast covers the 办结 form"
    in_first_screen(handler, "#act-progress button")
    fits_width(handler)
    shot(handler, f"actions-{screen}-3-accepted")

    # An extension request: no second one, and the supervisor now has one to decide.
    handler.fill("#act-extension textarea[name=reason]", "需供电公司配合更换线路")
    handler.click("#act-extension button")
    expect(handler.locator("#action-msg")).to_have_text("申请延期成功", timeout=15_000)
    offered(handler, "progress", "resolve", "takeover")
    supervisor.reload()
    offered(supervisor, "extension/decision", "close", "reject", "merge", "transfer")
    shot(supervisor, f"actions-{screen}-4-supervisor-extension-pending")
    supervisor.fill("#act-extension-decision input[name=note]", "同意")
    supervisor.click("#act-extension-decision button")
    expect(supervisor.locator("#action-msg")).to_have_text("审批延期成功", timeout=15_000)
    offered(supervisor, "close", "reject", "merge", "transfer")
    offered(handler, "progress", "extension", "resolve", "takeover")

    # After 办结: no handler action, the awaited step, and no countdown.
    handler.fill("#act-resolve textarea", "已更换路灯，现场恢复照明")
    handler.check("#act-resolve input[name=signed]")
    handler.click("#act-resolve button")
    expect(handler.locator("#case-state")).to_have_text("已办结待回访", timeout=15_000)
    offered(handler)
    expect(handler.locator("#awaited")).to_have_text("已办结，等待回访")
    expect(handler.locator("header .remain")).to_have_count(0)
    assert "剩余" not in handler.locator("header").inner_text()
    fits_width(handler)
    shot(handler, f"actions-{screen}-5-resolved")

    # Now, and only now, the dispatcher records the callback.
    dispatcher.reload()
    offered(dispatcher, "callback", "reject", "merge")
    in_first_screen(dispatcher, "#act-callback button")
    shot(dispatcher, f"actions-{screen}-6-dispatcher-callback")
    for ctx in (handler_ctx, dispatcher_ctx, supervisor_ctx):
        ctx.close()
