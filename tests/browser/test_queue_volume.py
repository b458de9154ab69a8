"""The work lists at volume in Debian's Chromium, on a stack seeded with 2,000 cases: each tab's
count is what the seed put there for the viewer; the pages walk through the whole list;
search finds a case by number and by a word; a filter narrows the list; finished cases are in
neither 待签收 nor 办理中 and count nothing down; the dispatchers' 待回访 lists a consenting
caller's resolved case; a phone gets short pages of cards that do not repeat the viewer's unit.

Seeded case numbers start with "2025": lists searched for "2025" hold only seeded cases, so
their totals are compared with the seed whatever else the stack's other tests filed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, Page, expect

from services.common.access.casework import case_at, scope_of
from services.common.jurisdiction import Directory
from services.desk.ui.users import User
from tests.browser.queue_support import browser, context, fits_width, login, shot
from tests.rates_fixture import population
from tests.seeding import SEEDED_AT, SeedCase, seed_desk
from tests.support import StackAddresses

__all__ = ["browser"]
SEEDED = "2025"
# 石塘村: no other test files a case there, so its tabs hold seeded cases only.
VILLAGE = User("shitang", "石塘村 陈书记", "U-D01-T03-V01", "handler")
DISTRICT = User("duban", "区12345督办中心 冯主任", "U-D01-DBZX", "supervisor")
CENTRE = User("paidan", "12345中心 郑派单员", "U-D01-DBZX", "dispatcher")
# What each tab holds, as the seed's stories say (see services/desk/board/queries.in_tab).
TABS: dict[str, Callable[[SeedCase], bool]] = {
    "accept": lambda c: c.state == "dispatched",
    "doing": lambda c: c.state == "accepted",
    "callback": lambda c: c.state == "resolved" and bool(c.callback),
    "done": lambda c: c.state in ("resolved", "closed"),
    "extension": lambda c: (
        bool(c.extension_pending) and c.state in ("dispatched", "accepted", "resolved")
    ),
}


@pytest.fixture(scope="module")
def seeded(stack: StackAddresses) -> Iterator[list[SeedCase]]:
    """2,000 cases in the running stack's desk: the population the map's rates test seeds too
    (whichever runs first seeds it), so every count below is of one known population."""
    cases = list(population(2000, SEEDED_AT))
    # The browser tests' own event loop may be running: the seed gets a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, seed_desk(stack, cases)).result()
    yield cases


def seen_by(user: User, cases: list[SeedCase]) -> list[SeedCase]:
    """The seeded cases a viewer's scope admits."""
    directory = Directory.from_file()
    scope = scope_of(user, directory)
    return [c for c in cases if scope.admits(case_at(directory, c.unit_id))]


def in_tab(cases: list[SeedCase], tab: str) -> list[SeedCase]:
    return [c for c in cases if TABS[tab](c)]


def tab_count(page: Page, tab: str) -> int:
    return int(page.locator(f"#tab-{tab} .n").inner_text())


def total(page: Page) -> int:
    return int(page.locator("#total").inner_text())


def listed(page: Page) -> list[str]:
    return page.locator("tr[data-case]").evaluate_all("rows => rows.map(r => r.dataset.case)")


def open_list(page: Page, stack: StackAddresses, path: str = "/queue", **params: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    page.goto(f"{stack.desk}{path}?{query}")
    expect(page.locator("#counts")).to_be_visible()


def walk(page: Page) -> list[str]:
    """Every case of the list, page after page through 下一页, as shown."""
    seen = listed(page)
    pages = 1
    while page.locator("#next").count():
        page.locator("#next").click()
        page.wait_for_load_state("domcontentloaded")
        pages += 1
        expect(page.locator("#pager .page.on")).to_have_text(str(pages))
        seen += listed(page)
    return seen


@pytest.mark.parametrize("screen", ["desk", "phone"])
def test_a_handlers_tabs_count_search_filter_and_page_the_seeded_cases(
    browser: Browser, stack: StackAddresses, seeded: list[SeedCase], screen: str
) -> None:
    phone = screen == "phone"
    mine = seen_by(VILLAGE, seeded)
    assert len(mine) >= 40, "the seed gives the village too few cases to page"
    ctx = context(browser, phone=phone)
    page = ctx.new_page()
    login(page, stack, VILLAGE.username)
    open_list(page, stack)
    expect(page.locator("h1")).to_contain_text("待签收")
    # A handler works from 待签收, 办理中 and 已办结 (each count the seed's), beside 我的.
    assert page.locator("#tabs a").evaluate_all("a => a.map(x => x.id)") == [
        "tab-accept",
        "tab-doing",
        "tab-done",
        "tab-mine",
    ]
    for tab in ("accept", "doing", "done"):
        assert tab_count(page, tab) == len(in_tab(mine, tab)), tab
    assert total(page) == len(in_tab(mine, "accept"))
    # The handler's own unit is the whole list's: no card repeats it.
    expect(page.locator('td[data-label="承办"]')).to_have_count(0)
    fits_width(page)
    if phone:
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 15_000, f"a page of the queue is {height}px tall on a phone"
    shot(page, f"volume-{screen}-1-handler-accept")

    # Each list, walked page by page, shows each of its cases once.
    for tab in ("accept", "doing", "done"):
        expected = {c.case_no for c in in_tab(mine, tab)}
        open_list(page, stack, tab=tab)
        expect(page.locator("#pager")).to_have_count(1 if len(expected) > 30 else 0)
        walked = walk(page)
        assert len(walked) == len(set(walked)) and set(walked) == expected, tab
    fits_width(page)
    shot(page, f"volume-{screen}-2-last-page")

    # Search: by case number, and by a word of the title.
    wanted = in_tab(mine, "doing")[0]
    open_list(page, stack, tab="doing")
    page.fill("#f-q", wanted.case_no)
    page.click("#f-go")
    expect(page.locator("tr[data-case]")).to_have_count(1)
    assert listed(page) == [wanted.case_no]
    title = page.locator(f'tr[data-case="{wanted.case_no}"] td[data-label="诉求"]').inner_text()
    found = re.search(r"[\u4e00-\u9fff]{2}", title)
    assert found, title
    word = found.group(0)
    open_list(page, stack, tab="doing", q=word)
    assert wanted.case_no in walk(page)

    # A filter narrows the list: red lights only, each row red, as many as the seed's.
    open_list(page, stack, tab="doing")
    page.select_option("#f-light", "red")
    page.click("#f-go")
    expect(page).to_have_url(re.compile(r"light=red"))
    reds = [c for c in in_tab(mine, "doing") if c.light == "red"]
    assert reds and len(reds) < len(in_tab(mine, "doing")), "the seed gives no mix of lights"
    assert total(page) == len(reds)
    assert set(walk(page)) == {c.case_no for c in reds}
    expect(page.locator("tr[data-case]:not(.row-red)")).to_have_count(0)
    shot(page, f"volume-{screen}-3-filtered-red")

    # A finished case: in neither 待签收 nor 办理中; under 已办结 without a countdown.
    done = in_tab(mine, "done")[0]
    for tab in ("accept", "doing"):
        open_list(page, stack, tab=tab, q=done.case_no)
        expect(page.locator("tr[data-case]")).to_have_count(0)
        expect(page.locator(".empty")).to_have_text("没有符合条件的工单")
    open_list(page, stack, tab="done", q=done.case_no)
    row = page.locator(f'tr[data-case="{done.case_no}"]')
    expect(row).to_be_visible()
    expect(row.locator(".remain")).to_have_count(0)
    expect(row).not_to_contain_text("剩余")
    expect(page.locator("[data-left]")).to_have_count(0)
    shot(page, f"volume-{screen}-4-finished")
    ctx.close()


@pytest.mark.parametrize("screen", ["desk", "phone"])
def test_the_centre_and_the_district_see_the_seeded_lists_whole(
    browser: Browser, stack: StackAddresses, seeded: list[SeedCase], screen: str
) -> None:
    phone = screen == "phone"
    ctx = context(browser, phone=phone)
    page = ctx.new_page()

    # The 12345 centre's dispatcher: 待回访 lists consenting callers' resolved cases.
    login(page, stack, CENTRE.username)
    centre = seen_by(CENTRE, seeded)
    waiting = in_tab(centre, "callback")
    assert waiting, "the seed has no resolved case whose caller agreed to a callback"
    open_list(page, stack, tab="callback", q=SEEDED)
    assert total(page) == len(waiting)
    assert tab_count(page, "callback") >= len(waiting)
    open_list(page, stack, tab="callback", q=waiting[0].case_no)
    row = page.locator(f'tr[data-case="{waiting[0].case_no}"]')
    expect(row).to_be_visible()
    expect(row.locator('a[href$="#act-callback"]')).to_be_visible()
    expect(row.locator(".remain")).to_have_count(0)
    fits_width(page)
    shot(page, f"volume-{screen}-5-callback-list")
    # 人工派单: every waiting case is counted, not a capped list's length.
    manual = [c for c in seeded if c.state == "manual"]
    open_list(page, stack, "/manual", q=SEEDED)
    assert total(page) == len(manual)
    if len(manual) > 30:
        assert len(set(walk(page))) == len(manual)
    fits_width(page)
    shot(page, f"volume-{screen}-6-manual")
    ctx.close()

    # The district supervisor: every open case of the district, paged, and the unit filter.
    ctx = context(browser, phone=phone)
    page = ctx.new_page()
    login(page, stack, DISTRICT.username)
    district = seen_by(DISTRICT, seeded)
    for tab in ("accept", "doing", "extension", "done"):
        open_list(page, stack, tab=tab, q=SEEDED)
        assert total(page) == len(in_tab(district, tab)), tab
        assert tab_count(page, tab) >= len(in_tab(district, tab)), tab
    # The district's longest list, page after page: every seeded case once.
    longest = max(("accept", "doing", "done"), key=lambda t: len(in_tab(district, t)))
    expected = {c.case_no for c in in_tab(district, longest)}
    assert len(expected) > 60, "the district's longest list is under three pages"
    open_list(page, stack, tab=longest, q=SEEDED)
    last = int(page.locator("#pager").get_attribute("data-last") or "1")
    assert last == -(-len(expected) // 30)
    walked = walk(page)
    assert len(walked) == len(set(walked)) and set(walked) == expected
    assert page.locator("#pager .page.on").inner_text() == str(last)
    open_list(page, stack, tab="doing", q=SEEDED)
    expect(page.locator('td[data-label="承办"]').first).to_be_visible()  # several units here
    page.select_option("#f-unit", VILLAGE.unit_id)
    page.click("#f-go")
    assert total(page) == len(
        [c for c in in_tab(district, "doing") if c.unit_id == VILLAGE.unit_id]
    )
    fits_width(page)
    shot(page, f"volume-{screen}-7-district-unit")
    ctx.close()
