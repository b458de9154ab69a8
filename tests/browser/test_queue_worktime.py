"""The queue keeps counting remaining time in the browser: working time for ordinary
deadlines (nights and weekends do not tick down), clock time for urgent ones."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from playwright.sync_api import Browser, expect

from services.desk.ui.html import remaining
from tests.browser.queue_support import browser, context, login, post_case, shot, title_tag
from tests.support import StackAddresses

__all__ = ["browser"]
HOURS = 7


def worked(spans: list[list[int]], start: int, end: int, until: int) -> int:
    """Milliseconds of working time from start to end on the page's spans (clock beyond)."""
    total = sum(max(0, min(b, end) - max(a, start)) for a, b in spans)
    return total + max(0, end - max(until, start))


def test_remaining_time_counts_working_time_while_the_page_stays_open(
    browser: Browser, stack: StackAddresses
) -> None:
    # Both cases carry a word of their own: the unit's list holds other tests' cases too,
    # thirty a page, and the handler narrows it to these two.
    tag = title_tag()
    ordinary = post_case(stack, title=f"柳岸路路灯不亮 {tag}")
    urgent = post_case(
        stack, title=f"井盖缺失 {tag}", urgent=True, urgent_reason="井盖缺失，夜间有人掉落风险"
    )
    ctx = context(browser)
    page = ctx.new_page()
    page.clock.install()
    login(page, stack, "liuan")
    # The page's clock stands still, so no live refresh: look again until both are listed.
    deadline = time.monotonic() + 30
    while True:
        page.goto(f"{stack.desk}/queue?q={tag}")
        if page.locator("tr[data-case]").count() >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for case_no in (ordinary, urgent):
        cell = page.locator(f'tr[data-case="{case_no}"] .remain[data-left]')
        expect(cell).to_be_visible(timeout=15_000)
    expect(page.locator(".remain[data-left]").nth(1)).to_be_attached(timeout=15_000)
    work: dict[str, Any] = page.evaluate("fetch('/ui/worktime').then((r) => r.json())")
    assert work["spans"], "the page has working spans to count with"

    page.clock.fast_forward(HOURS * 3600 * 1000)
    seen: dict[str, Any] = page.evaluate(
        """(nos) => { tick(); const out = { now: Date.now() };
             for (const no of nos) {
               const el = document.querySelector(`tr[data-case="${no}"] .remain`);
               out[no] = { ...el.dataset, text: el.textContent };
             }
             return out; }""",
        [ordinary, urgent],
    )
    now = seen["now"]
    for case_no, basis in ((ordinary, "working"), (urgent, "clock")):
        cell = seen[case_no]
        assert cell["basis"] == basis
        at = int(cell["at"])
        gone = worked(work["spans"], at, now, work["until"]) if basis == "working" else now - at
        left = int(cell["left"]) - round(gone / 1000)
        expected = remaining(timedelta(seconds=left), basis, timedelta(seconds=int(cell["day"])))
        assert cell["text"] == expected, (case_no, basis, cell, expected)
    # Seven hours later the urgent case (30 clock minutes) is long overdue.
    assert seen[urgent]["text"].startswith("已超时 6小时")
    shot(page, "worktime-after-7-hours")
    ctx.close()
