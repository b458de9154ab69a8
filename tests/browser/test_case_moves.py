"""Moving a case after acceptance in Debian's Chromium: a supervisor transfers (改派) an
accepted case to another community, which finds it in its queue to sign for; a unit asks
its township to take a case over (上报) and the township's handler takes it."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.queue_support import (
    act,
    browser,
    context,
    fits_width,
    login,
    post_case,
    shot,
    title_tag,
    wait_on_board,
)
from tests.support import StackAddresses

__all__ = ["browser"]


def open_case(ctx: BrowserContext, stack: StackAddresses, username: str, case_no: str) -> Page:
    page = ctx.new_page()
    login(page, stack, username)
    page.goto(f"{stack.desk}/cases/{case_no}")
    expect(page.locator("#case-no")).to_have_text(case_no)
    return page


def accepted_case(stack: StackAddresses, tag: str) -> str:
    case_no = post_case(stack, title=f"柳岸路路灯不亮{tag}")
    wait_on_board(stack, "liuan", case_no, "dispatched")
    act(stack, "liuan", case_no, "accept", {"note": ""})
    wait_on_board(stack, "liuan", case_no, "accepted")
    return case_no


def test_a_supervisor_transfers_an_accepted_case(browser: Browser, stack: StackAddresses) -> None:
    tag = title_tag()
    case_no = accepted_case(stack, tag)
    supervisor = open_case(context(browser), stack, "hubin-duban", case_no)
    form = supervisor.locator("#act-transfer")
    expect(form).to_be_visible(timeout=15_000)
    # Only units of 湖滨街道's jurisdiction are offered, never the case's own unit.
    options = form.locator("select[name=unit_id] option").all_inner_texts()
    assert any("金桥社区" in o for o in options), options
    assert not any("柳岸社区" in o or "石塘村" in o for o in options), options
    form.locator("select[name=unit_id]").select_option("U-D01-T01-V02")
    form.locator("textarea[name=reason]").fill("地点在金桥社区辖区内")
    shot(supervisor, "moves-1-supervisor-transfer")
    form.locator("button").click()
    expect(supervisor.locator("#action-msg")).to_have_text("改派成功", timeout=15_000)
    expect(supervisor.locator("#case-unit")).to_contain_text("金桥社区", timeout=20_000)
    expect(supervisor.locator("#case-state")).to_have_text("待签收")
    expect(supervisor.locator(".timeline")).to_contain_text("地点在金桥社区辖区内")
    shot(supervisor, "moves-2-transferred")

    # The new unit finds it in its queue and signs for it; it may not bounce it back.
    wait_on_board(stack, "jinqiao", case_no, "dispatched")
    jinqiao = open_case(context(browser, phone=True), stack, "jinqiao", case_no)
    forms = jinqiao.locator("form.act")
    expect(forms.first).to_be_visible(timeout=15_000)
    got = forms.evaluate_all("(els) => els.map((el) => el.dataset.action)")
    assert got[0] == "accept", got
    fits_width(jinqiao)
    shot(jinqiao, "moves-3-new-unit-phone")
    # The unit it left sees it no longer.
    liuan = context(browser).new_page()
    login(liuan, stack, "liuan")
    liuan.goto(f"{stack.desk}/cases/{case_no}")
    expect(liuan.locator("body")).to_contain_text("不属于本单位")


def test_a_unit_asks_its_township_to_take_over_and_the_township_takes_it(
    browser: Browser, stack: StackAddresses
) -> None:
    case_no = accepted_case(stack, title_tag())
    handler = open_case(context(browser), stack, "liuan", case_no)
    form = handler.locator("#act-takeover")
    expect(form).to_be_visible(timeout=15_000)
    form.locator("textarea[name=reason]").fill("涉及三个小区的线路改造，需街道协调")
    form.locator("button").click()
    expect(handler.locator("#action-msg")).to_have_text("上报成功", timeout=15_000)
    expect(handler.locator("#pending-takeover")).to_contain_text("需街道协调", timeout=20_000)
    shot(handler, "moves-4-takeover-asked")

    township = open_case(context(browser), stack, "hubin", case_no)
    expect(township.locator("#pending-takeover")).to_contain_text("需街道协调", timeout=20_000)
    decide = township.locator("#act-takeover-decision")
    decide.locator("select[name=accept]").select_option("true")
    decide.locator("input[name=note]").fill("街道牵头协调")
    shot(township, "moves-5-township-decides")
    decide.locator("button").click()
    expect(township.locator("#action-msg")).to_have_text("决定上报成功", timeout=15_000)
    expect(township.locator("#case-unit")).to_contain_text("湖滨街道", timeout=20_000)
    expect(township.locator("#case-state")).to_have_text("已签收")
    expect(township.locator("#pending-takeover")).to_have_count(0)
    shot(township, "moves-6-taken-over")
