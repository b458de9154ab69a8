"""A dispatcher merges a case into its lead on the case page, in Debian's Chromium: the case
then reads 已并入 <lead>, and the lead's page lists it among the cases merged into it."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Page, expect

from tests.browser.queue_support import (
    browser,
    context,
    login,
    post_case,
    shot,
    title_tag,
    wait_on_board,
)
from tests.support import StackAddresses

__all__ = ["browser"]


def until_shown(page: Page, url: str, selector: str, timeout: float = 30) -> None:
    """Reload the page until it shows the element (its event may still be on its way)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if page.locator(selector).count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    expect(page.locator(selector)).to_be_visible()


def test_a_dispatcher_merges_a_case_into_its_lead_on_the_case_page(
    browser: Browser, stack: StackAddresses
) -> None:
    tag = title_tag()
    lead = post_case(stack, title=f"柳岸路路灯不亮{tag}")
    follower = post_case(stack, title=f"柳岸花园门口路灯坏了{tag}")
    for case_no in (lead, follower):
        wait_on_board(stack, "paidan", case_no, "dispatched")

    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "paidan")
    until_shown(page, f"{stack.desk}/cases/{follower}", "#act-merge")
    page.fill("#act-merge input[name=lead]", lead)
    page.fill("#act-merge input[name=note]", "同一盏路灯")
    page.click("#act-merge button")
    until_shown(page, f"{stack.desk}/cases/{follower}", "#merged-into")
    expect(page.locator("#case-state")).to_have_text(f"已并入 {lead}")
    expect(page.locator("#merged-into")).to_contain_text(lead)
    # Following its lead, the case offers no command of its own.
    expect(page.locator("#act-merge")).to_have_count(0)
    shot(page, "merge-follower-page")
    until_shown(page, f"{stack.desk}/cases/{lead}", "#merged-cases")
    expect(page.locator("#merged-cases")).to_contain_text(follower)
    shot(page, "merge-lead-page")
    ctx.close()
