"""The situation map's three rates and 红黑榜 in Debian's Chromium, on a desk seeded with
2,000 cases: the hand-counted fixture's township (tests/rates_fixture.py) shows exactly the
figures counted by hand, each with how it was counted, and no topic group is left blank."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import asyncpg  # type: ignore[import-untyped]
import pytest
from playwright.sync_api import Browser, Page, expect

from services.desk.board.rules import OPEN_STATES
from services.desk.reports.figures import month_of
from tests import rates_fixture as fx
from tests.browser.queue_support import browser, context, login, shot
from tests.seeding import SEEDED_AT, seed_desk
from tests.support import StackAddresses

__all__ = ["browser"]
pytestmark = pytest.mark.timeout(900)  # seeding 2,000 stories on a shared machine


async def _own_township(stack: StackAddresses, now: datetime) -> None:
    """Give the fixture the township's month to itself: cases other tests on this stack
    filed or seeded there keep their rows, but their marks of this month are dropped."""
    db = await asyncpg.connect(stack.dsn("minhu_desk"))
    try:
        await db.execute(
            "DELETE FROM board_marks WHERE unit_id = ANY($1::text[]) AND at >= $2"
            " AND case_no NOT LIKE $3",
            list(fx.UNITS),
            month_of(now).start,
            f"{fx.PREFIX}%",
        )
    finally:
        await db.close()


async def _seed(stack: StackAddresses, now: datetime) -> int:
    cases = fx.population(2000, now)
    await seed_desk(stack, cases)
    await _own_township(stack, now)
    return len(cases)


@pytest.fixture(scope="module")
def seeded(stack: StackAddresses) -> Iterator[int]:
    """The desk seeded once for the module: a volume without the township, plus the fixture."""
    # Browser tests run inside the suite's event loop: seed from a loop of its own.
    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(asyncio.run, _seed(stack, SEEDED_AT)).result()


def _cell(page: Page, unit: str, label: str) -> str:
    return page.locator(f'#rates tr[data-unit="{unit}"] td[data-label="{label}"]').inner_text()


def _topic_groups(page: Page) -> list[str]:
    rows = page.locator('#chart-topic + table tbody td[data-label="分组"]')
    return [t.strip() for t in rows.all_inner_texts()]


async def _untopical(stack: StackAddresses, column: str, area: str) -> int:
    """Open cases of an area whose topic the board truly does not know (other tests' cases
    on this stack may be such, e.g. while their dispatch has not been told yet)."""
    db = await asyncpg.connect(stack.dsn("minhu_desk"))
    try:
        return int(
            await db.fetchval(
                f"SELECT count(*) FROM board_cases WHERE {column} = $1 AND topic = ''"
                " AND state = ANY($2::text[])",
                area,
                list(OPEN_STATES),
            )
        )
    finally:
        await db.close()


def named_groups(page: Page, stack: StackAddresses, column: str, area: str) -> list[str]:
    """The map's topic groups: every one named, 未分类 only for cases the board has no topic
    for, counted in the database."""
    groups = _topic_groups(page)
    with ThreadPoolExecutor(1) as pool:
        unknown = pool.submit(asyncio.run, _untopical(stack, column, area)).result()
    assert groups and all(groups), groups
    assert ("未分类" in groups) == (unknown > 0), (groups, unknown)
    return groups


def test_the_townships_rates_scores_and_places_are_the_hand_count(
    browser: Browser, stack: StackAddresses, seeded: int
) -> None:
    assert seeded >= 2000
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "hubin-duban")
    expect(page).to_have_url(re.compile(r"/map$"))
    expect(page.locator('#rates tr[data-unit="U-D01-T01-V01"]')).to_be_visible(timeout=15_000)
    for unit, want in fx.EXPECTED.items():
        assert _cell(page, unit, "派单") == str(want.assigned), unit
        for label, rate, counted in (
            ("响应率", want.response, want.response_counted),
            ("解决率", want.resolution, want.resolution_counted),
            ("满意率", want.satisfaction, want.satisfaction_counted),
        ):
            text = _cell(page, unit, label)
            assert rate in text and counted in text, (unit, label, text)
        assert _cell(page, unit, "综合得分").strip() == want.score, unit
        assert _cell(page, unit, "名次").strip() == want.place, unit
    red = page.locator("#ranking .red-list li[data-unit]")
    black = page.locator("#ranking .black-list li[data-unit]")
    assert [red.nth(i).get_attribute("data-unit") for i in range(red.count())] == fx.RED
    assert [black.nth(i).get_attribute("data-unit") for i in range(black.count())] == fx.BLACK
    expect(red.first).to_contain_text("综合得分 86.7%")
    expect(black.first).to_contain_text("综合得分 38.7%")
    expect(page.locator("#score-rule")).to_contain_text(
        "综合得分＝响应率×20%＋解决率×40%＋满意率×40%"
    )
    expect(page.locator("#rates")).to_contain_text("未到期的工单既不算按时也不算超时")
    # The fixture's open cases are all filed under their topic; no group is left unnamed.
    groups = named_groups(page, stack, "township_id", "D01-T01")
    assert "城乡建设" in groups, groups
    shot(page, "map-rates-township-hand-count")
    ctx.close()


def test_the_district_map_of_the_seeded_volume_has_no_blank_topic_or_zero_rates_for_not_due(
    browser: Browser, stack: StackAddresses, seeded: int
) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "duban")
    expect(page.locator("#rates table")).to_be_visible(timeout=15_000)
    groups = named_groups(page, stack, "district_id", "D01")
    # The chart names every group it draws a bar for (none left without a label).
    expect(page.locator("#chart-topic[data-drawn]")).to_have_count(1, timeout=15_000)
    labels = {t.strip() for t in page.locator("#chart-topic svg text").all_text_contents()}
    assert set(groups) <= labels, set(groups) - labels
    # Every ranked unit has cases due; a unit without any says so instead of 0.0 %.
    places = page.locator('#rates td[data-label="名次"]').all_inner_texts()
    assert any(p.startswith("第") or p.startswith("并列") for p in places), places
    red = set(
        page.locator("#ranking .red-list li[data-unit]").evaluate_all(
            "els => els.map(e => e.dataset.unit)"
        )
    )
    black = set(
        page.locator("#ranking .black-list li[data-unit]").evaluate_all(
            "els => els.map(e => e.dataset.unit)"
        )
    )
    assert red and black and not red & black
    shot(page, "map-rates-district-volume")
    ctx.close()
