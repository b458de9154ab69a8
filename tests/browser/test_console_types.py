"""Request types in the operator console and the citizens' look-up, in Debian's Chromium:
a consultation answered from the knowledge base and closed on the call, the unit a new case
went to, search results with their state, and a citizen looking a case up with the right
and the wrong digits. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.queue_support import ARTIFACTS, browser, context, login
from tests.support import INTAKE_HEADERS, StackAddresses, new_case

__all__ = ["browser"]

QUESTION = "请问外地户口在明湖区租房住，想办居住证，需要带什么材料，在哪里办？"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    ctx = context(browser)
    yield ctx.new_page()
    ctx.close()


def shot(page: Page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"types-{name}.png"), full_page=True)


def console(page: Page, stack: StackAddresses) -> None:
    login(page, stack, "operator")
    page.goto(stack.intake + "/")
    expect(page.locator("#who-name")).not_to_be_empty()


def test_operator_answers_a_consultation_on_the_call(page: Page, stack: StackAddresses) -> None:
    console(page, stack)
    # An empty submit flags every missing field, in Chinese.
    page.click("#submit")
    expect(page.locator("#e-caller_phone")).to_contain_text("请填写来电号码")
    expect(page.locator("#e-content")).to_contain_text("请填写诉求内容")
    shot(page, "1-empty-submit")

    page.fill("#f-caller_phone", f"137{secrets.randbelow(10**8):08d}")
    page.fill("#f-content", QUESTION)
    expect(page.locator("#type-hint")).to_contain_text("建议类型：咨询", timeout=15_000)
    expect(page.locator("#f-request_type")).to_have_value("consultation")
    box = page.locator("#answer-box")
    expect(box).to_be_visible()
    first = page.locator("#kb-list li").first
    expect(first).to_contain_text("居住证申领", timeout=15_000)
    expect(first).to_contain_text("明湖区公安分局")
    shot(page, "2-suggested-answers")

    first.locator(".kb-use").click()
    expect(page.locator("#f-answer")).to_have_value(re.compile("居住证"))
    expect(page.locator("#f-answered")).to_be_checked()
    expect(page.locator("#submit")).to_have_text("答复并办结")
    page.click("#submit")
    expect(page.locator("#created-no")).to_have_text(re.compile(r"^\d{8} \d{6}$"), timeout=15_000)
    expect(page.locator("#created-where")).to_contain_text("直接答复并办结，不派单")
    view = page.locator("#case-view")
    expect(view.locator("#answered-note")).to_be_visible(timeout=15_000)
    expect(view).to_contain_text("咨询")
    expect(view).not_to_contain_text("尚未派单")
    shot(page, "3-answered-and-closed")


def test_the_console_names_the_unit_and_search_shows_each_state(
    page: Page, stack: StackAddresses
) -> None:
    other = f"135{secrets.randbelow(10**8):08d}"
    for content, address in (
        ("金桥路上的下水道井盖破了一个大洞，晚上很危险，请尽快处理。", "金桥路"),
        ("望湖社区健身器材坏了好几个月，扶手断了，老人用着不安全。", "望湖社区广场"),
    ):
        body = new_case(caller_phone=other, content=content, address=address, title=None)
        httpx.post(
            f"{stack.intake}/v1/cases", json=body, headers=INTAKE_HEADERS, timeout=10
        ).raise_for_status()
    console(page, stack)
    page.fill("#f-caller_phone", f"136{secrets.randbelow(10**8):08d}")
    page.fill("#f-address", "柳岸路柳岸花园门口")
    page.fill("#f-content", "投诉柳岸路柳岸花园门口的路灯坏了一个星期，晚上很黑，一直没人修。")
    page.select_option("#f-request_type", "complaint")
    page.click("#submit")
    expect(page.locator("#created-unit")).not_to_be_empty(timeout=40_000)
    expect(page.locator("#created-where")).to_contain_text("已派至")
    expect(page.locator("#case-view")).to_be_visible()
    shot(page, "4-placed-with-unit")

    # Another caller's search closes the case that was open; each result says its state.
    page.fill("#q", other)
    page.press("#q", "Enter")
    results = page.locator("#results .result")
    expect(results).to_have_count(2, timeout=10_000)
    for i in range(2):
        expect(results.nth(i).locator("[class*='state-']")).not_to_be_empty()
    expect(page.locator("#case-view")).to_be_hidden()
    shot(page, "5-search-results-with-states")


def test_a_citizen_looks_a_case_up(browser: Browser, stack: StackAddresses) -> None:
    phone = f"139{secrets.randbelow(10**8):08d}"
    body = new_case(
        caller_phone=phone,
        content=QUESTION,
        request_type="consultation",
        answer="请携带身份证和租房合同到居住地社区警务室或派出所申领居住证。",
    )
    resp = httpx.post(f"{stack.intake}/v1/cases", json=body, headers=INTAKE_HEADERS, timeout=10)
    resp.raise_for_status()
    case_no = resp.json()["case_no"]
    ctx = context(browser, phone=True)
    page = ctx.new_page()
    try:
        page.goto(stack.intake + "/lookup")  # public: no sign-in
        page.fill("#l-case_no", case_no)
        page.fill("#l-phone_last4", phone[-4:])
        page.click("#lookup-submit")
        result = page.locator("#lookup-result")
        expect(result).to_be_visible(timeout=10_000)
        expect(result).to_contain_text("已办结")
        expect(page.locator("#lookup-answer")).to_contain_text("社区警务室")
        expect(result).not_to_contain_text(phone)
        shot(page, "6-lookup-right-digits")

        page.fill("#l-phone_last4", f"{(int(phone[-4:]) + 1) % 10000:04d}")
        page.click("#lookup-submit")
        expect(page.locator("#lookup-msg")).to_contain_text("未查到该工单")
        expect(result).to_be_hidden()
        shot(page, "7-lookup-wrong-digits")
    finally:
        ctx.close()


def test_a_unit_keeps_its_own_knowledge_entry(page: Page, stack: StackAddresses) -> None:
    login(page, stack, "liuan")  # 柳岸社区
    page.goto(stack.intake + "/knowledge")
    expect(page.locator("#who-name")).not_to_be_empty()
    expect(page.locator("#k-source_unit_id")).to_have_value("U-D01-T01-V01")
    title = f"柳岸社区老年助餐点就餐登记{secrets.token_hex(2)}"
    page.fill("#k-title", title)
    page.fill("#k-body", "本社区60周岁以上老人可持身份证到社区服务中心登记，在助餐点享受优惠就餐。")
    page.fill("#k-topic", "民政")
    page.click("#entry-save")
    expect(page.locator("#entries")).to_contain_text(title, timeout=10_000)
    expect(page.locator("#entry-history")).to_contain_text("新增：liuan")
    # The confirmation outlasts the reload of the list and of the saved entry.
    expect(page.locator("#entry-msg")).to_contain_text("已保存（第 1 版）")
    shot(page, "8-knowledge-entry")
    # Another unit's entry is refused, in Chinese.
    page.click("#entry-new")
    page.fill("#k-title", "他单位条目")
    page.fill("#k-body", "这是一条不属于本单位的知识条目，应当被拒绝保存。")
    page.fill("#k-topic", "民政")
    page.fill("#k-source_unit_id", "U-D01-RSJ")
    page.click("#entry-save")
    expect(page.locator("#entry-msg")).to_contain_text("只能维护本单位")
