"""The desk in Debian's Chromium: a handler finds their unit's closed cases and no one else's,
a supervisor downloads a quarter's spreadsheet whose counts match the cases made here, and
the situation map and the reports draw their charts."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import httpx
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.browser.queue_support import act, browser, context, login, post_case, shot, wait_on_board
from tests.support import SERVICE_HEADERS, StackAddresses

__all__ = ["browser"]
UNIT_NAME = "柳岸社区居民委员会"
WORDS = "路灯闪烁"


def _closed_case(stack: StackAddresses) -> str:
    case_no = post_case(
        stack,
        title="柳岸路路灯闪烁",
        content=f"柳岸路花园门口的{WORDS}好几天了，忽明忽暗，晚上走路看不清。",
    )
    wait_on_board(stack, "liuan", case_no, "dispatched")
    act(stack, "liuan", case_no, "accept", {"note": ""})
    act(stack, "liuan", case_no, "resolve", {"note": "已请供电所更换灯具", "signed": True})
    act(stack, "paidan", case_no, "callback", {"satisfied": True, "reached": True, "note": "满意"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = httpx.get(
            f"{stack.desk}/v1/search", params={"case_no": case_no}, headers=SERVICE_HEADERS
        ).json()["cases"]
        if found and found[0]["state"] == "closed":
            return case_no
        time.sleep(0.2)
    raise AssertionError(f"{case_no} never closed on the board")


def test_a_handler_finds_a_closed_case_of_their_unit_and_not_another_units(
    browser: Browser, stack: StackAddresses
) -> None:
    case_no = _closed_case(stack)
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "liuan")
    page.click("nav.top >> text=全部工单")
    page.fill("#q", WORDS)
    page.select_option("select[name=state]", "closed")
    page.click("#search")
    row = page.locator(f'tr[data-case="{case_no}"]')
    expect(row).to_contain_text("已销号")
    shot(page, "desk-1-handler-finds-closed-case")
    row.locator("a.case-no").click()
    expect(page.locator("#case-no")).to_have_text(case_no)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("核实人：")
    expect(timeline).to_contain_text("回访（满意）")
    expect(timeline).to_contain_text("销号人：")
    expect(page.locator("#caller-phone")).to_have_text(re.compile(r"^\d{3}\*{4}\d{4}$"))
    shot(page, "desk-2-closed-case-record")
    page.click("a.print")
    expect(page.locator("#record")).to_contain_text("已请供电所更换灯具")
    shot(page, "desk-3-printable-record")
    ctx.close()

    other = context(browser)
    page = other.new_page()
    login(page, stack, "jinqiao")
    page.goto(f"{stack.desk}/search?case_no={case_no}")
    expect(page.locator("#counts")).to_contain_text("共 0 件")
    page.goto(f"{stack.desk}/search?q={WORDS}")
    expect(page.locator(f'tr[data-case="{case_no}"]')).to_have_count(0)
    shot(page, "desk-4-other-unit-finds-nothing")
    resp = page.goto(f"{stack.desk}/cases/{case_no}")
    assert resp is not None and resp.status == 403
    expect(page.locator("#denied")).to_contain_text("不属于本单位")
    other.close()


def _unit_row(data: bytes) -> tuple[Any, ...]:
    book = load_workbook(io.BytesIO(data))
    rows = list(book["单位三率"].iter_rows(values_only=True))
    assert str(rows[0][0]).startswith("统计周期：") and "季度" in str(rows[0][0])
    found = [r for r in rows[2:] if r[0] == UNIT_NAME]
    return found[0] if found else (UNIT_NAME, 0, 0, 0, 0)


def _download(page: Page) -> bytes:
    with page.expect_download() as info:
        page.click("#download-xlsx")
    path = info.value.path()
    with open(path, "rb") as fh:
        return fh.read()


def test_a_supervisor_downloads_a_quarter_whose_counts_match_the_cases_made(
    browser: Browser, stack: StackAddresses
) -> None:
    ctx = context(browser)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    login(page, stack, "hubin-duban")
    page.goto(f"{stack.desk}/reports?period=quarter")
    expect(page.locator("#period-label")).to_contain_text("季度")
    before = _unit_row(_download(page))

    closed = _closed_case(stack)
    accepted = post_case(stack)
    wait_on_board(stack, "liuan", accepted, "dispatched")
    act(stack, "liuan", accepted, "accept", {"note": ""})
    waiting = post_case(stack)
    wait_on_board(stack, "liuan", waiting, "dispatched")
    wait_on_board(stack, "liuan", accepted, "accepted")

    page.reload()
    expect(page.locator("#chart-trend svg")).to_have_count(1)
    expect(page.locator("#chart-rates svg")).to_have_count(1)
    shot(page, "desk-5-supervisor-quarter-report")
    after = _unit_row(_download(page))
    # 派单, 应签收, 按时签收, 应办结, 按时办结, 办结, 销号 for the unit: three cases, two accepted
    # (the third, not yet due, counts for neither), one resolved and closed.
    deltas = [a - b for a, b in zip(after[1:8], before[1:8], strict=True)]
    assert deltas == [3, 2, 2, 1, 1, 1, 1], (
        closed,
        before,
        after,
    )
    page.goto(f"{stack.desk}/reports/bulletin?period=quarter")
    expect(page.locator("article.bulletin h1")).to_contain_text("通报")
    shot(page, "desk-6-bulletin")
    ctx.close()


def test_the_situation_map_draws_its_charts(browser: Browser, stack: StackAddresses) -> None:
    post_case(stack)
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "duban")
    page.goto(f"{stack.desk}/map")
    for chart in ("#chart-tier", "#chart-topic"):
        expect(page.locator(f"{chart} svg")).to_have_count(1, timeout=15_000)
        expect(page.locator(chart)).to_have_attribute("data-drawn", "1")
    shot(page, "desk-7-map-charts")
    ctx.close()
