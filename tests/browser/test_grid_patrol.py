"""The grid tier in Debian's Chromium: a grid worker, on a phone-sized page, reports a matter
found on patrol and closes it on the spot (就地办结), reports another to the grid's queue
and logs a visit (走访); the township supervisor's situation map shows the worker's
assessment (出勤率, 走访率, 问题解决率, 群众评价) with how each is computed."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, Page, expect

from tests.browser.queue_support import (
    browser,
    context,
    fits_width,
    login,
    shot,
    title_tag,
    within_window,
)
from tests.support import StackAddresses

__all__ = ["browser"]
WORKER = "wangge-liuan1"
GRID_NAME = "柳岸社区第一网格"


def _report(page: Page, title: str, content: str, *, on_spot: str = "") -> str:
    """Fill in and send the patrol form; the case number the page names."""
    page.fill("#patrol input[name=title]", title)
    page.fill("#patrol textarea[name=content]", content)
    page.fill("#patrol input[name=address]", "柳岸路柳岸花园3栋")
    page.fill("#patrol input[name=latitude]", "28.23010")
    page.fill("#patrol input[name=longitude]", "112.93010")
    page.check(f"#patrol input[name=outcome][value={'on_spot' if on_spot else 'report'}]")
    if on_spot:
        page.fill("#patrol textarea[name=note]", on_spot)
    within_window(page, "#patrol-submit")
    page.click("#patrol-submit")
    done = page.locator("#grid-done")
    expect(done).to_be_visible(timeout=15_000)
    case_no = done.locator("a.case-no").inner_text().strip()
    assert re.fullmatch(r"\d{14}", case_no), case_no
    return case_no


def _until_listed(page: Page, case_no: str, state: str) -> None:
    """Reload the grid page until its report list shows the case in this state."""
    row = page.locator(f'#reports tr[data-case="{case_no}"]')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if row.count() and state in row.inner_text():
            return
        page.wait_for_timeout(500)
        page.goto(page.url.split("?")[0])
    expect(row).to_contain_text(state)


def test_a_grid_worker_reports_closes_on_the_spot_and_logs_a_visit_from_a_phone(
    browser: Browser, stack: StackAddresses
) -> None:
    ctx = context(browser, phone=True)
    page = ctx.new_page()
    login(page, stack, WORKER)
    expect(page).to_have_url(re.compile(r"/grid$"))
    expect(page.locator("h1")).to_contain_text(GRID_NAME)
    fits_width(page)
    shot(page, "grid-1-patrol-form-phone")

    tag = title_tag()
    closed = _report(
        page,
        f"楼道堆物 {tag}",
        "巡查发现柳岸花园3栋一楼楼道堆放纸箱，堵住通道",
        on_spot="已督促住户当场清走纸箱，楼道恢复通畅",
    )
    expect(page.locator("#grid-done")).to_contain_text("已就地办结")
    fits_width(page)
    shot(page, "grid-2-closed-on-the-spot-phone")
    _until_listed(page, closed, "已销号")

    # Its page tells the story: filed by the worker on patrol, closed on the spot.
    page.goto(f"{stack.desk}/cases/{closed}")
    expect(page.locator("#case-no")).to_have_text(closed)
    expect(page.locator("body")).to_contain_text("就地办结")
    fits_width(page)
    shot(page, "grid-3-case-closed-on-the-spot-phone")

    # A matter the worker cannot settle alone goes to the grid's own queue.
    page.goto(f"{stack.desk}/grid")
    sent = _report(page, f"路灯不亮 {tag}", "巡查发现柳岸路12号门口的路灯不亮了，晚上很黑")
    expect(page.locator("#grid-done")).to_contain_text("已上报")
    page.goto(f"{stack.desk}/queue?q={tag}")
    row = page.locator(f'tr[data-case="{sent}"]')
    deadline = time.monotonic() + 45
    while not row.count() and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        page.reload()
    expect(row).to_contain_text("待签收")
    shot(page, "grid-4-report-in-the-grid-queue-phone")

    page.goto(f"{stack.desk}/grid")
    page.fill("#visit input[name=place]", f"柳岸花园3栋201 {tag}")
    page.fill("#visit textarea[name=note]", "独居老人，身体尚好，留了网格员电话")
    within_window(page, "#visit-submit")
    page.click("#visit-submit")
    expect(page.locator("#grid-done")).to_contain_text("已记录走访")
    expect(page.locator("#visit-card")).to_contain_text(tag)
    fits_width(page)
    shot(page, "grid-5-visit-logged-phone")
    ctx.close()

    # The township supervisor's map: the worker's row and how each figure is computed.
    desk = context(browser)
    page = desk.new_page()
    login(page, stack, "hubin-duban")
    page.goto(f"{stack.desk}/map")
    worker = page.locator(f'#grid-workers tr[data-worker="{WORKER}"]')
    expect(worker).to_be_visible(timeout=15_000)
    expect(worker.locator('td[data-label="网格"]')).to_have_text(GRID_NAME)
    # At least today's activity and today's visit; at least this test's 就地办结.
    attendance = worker.locator('td[data-label="出勤率"]').inner_text()
    assert re.search(r"（[1-9]\d*/\d+ 天）", attendance), attendance
    visits = worker.locator('td[data-label="走访率"]').inner_text()
    assert re.search(r"（[1-9]\d*/\d+ 次）", visits), visits
    assert int(worker.locator('td[data-label="就地办结"]').inner_text()) >= 1
    resolution = worker.locator('td[data-label="问题解决率"]').inner_text()
    assert resolution.endswith("%"), resolution  # the 就地办结 is due and done on time
    expect(page.locator("#grid-note")).to_contain_text("出勤率＝")
    expect(page.locator("#grid-note")).to_contain_text("群众评价＝满意/回访接通")
    page.locator("#grid-workers").scroll_into_view_if_needed()
    shot(page, "grid-6-map-grid-workers")
    desk.close()
