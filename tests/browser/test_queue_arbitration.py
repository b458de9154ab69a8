"""Bounce arbitration (退单仲裁) in Debian's Chromium: a case bounced by the village and then by
the township goes to arbitration one tier up; a township supervisor cannot decide it; the
district supervisor picks the unit on the situation map and the case reaches it live."""

from __future__ import annotations

import time

import httpx
from playwright.sync_api import Browser, expect

from tests.browser.queue_support import (
    act,
    browser,
    context,
    fits_width,
    login,
    post_case,
    shot,
    wait_on_board,
    within_window,
)
from tests.support import SERVICE_HEADERS, StackAddresses

__all__ = ["browser"]
VILLAGE = "U-D01-T01-V01"  # 柳岸社区 (liuan), first to get the lamp case
TOWNSHIP = "U-D01-T01"  # 湖滨街道 (hubin), where the first bounce sends it


def wait_for_arbitration(stack: StackAddresses, case_no: str) -> dict[str, object]:
    """Until dispatch has opened the case's arbitration."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        resp = httpx.get(f"{stack.dispatch}/v1/arbitrations", headers=SERVICE_HEADERS, timeout=10)
        found = [a for a in resp.json() if a["case_no"] == case_no]
        if found:
            return dict(found[0])
        time.sleep(0.2)
    raise AssertionError(f"no arbitration opened for {case_no}")


def test_twice_bounced_case_is_arbitrated_one_tier_up(
    browser: Browser, stack: StackAddresses
) -> None:
    case_no = post_case(stack)
    wait_on_board(stack, "liuan", case_no, "dispatched")

    # The village handler bounces it from the case page.
    village_ctx = context(browser)
    village = village_ctx.new_page()
    login(village, stack, "liuan")
    village.goto(f"{stack.desk}/cases/{case_no}")
    village.fill("#act-bounce textarea", "路灯线路归街道市政维护")
    village.click("#act-bounce button")
    expect(village.locator("#action-msg")).to_contain_text("退单成功", timeout=10_000)
    shot(village, "arbitration-1-village-bounces")
    # Once the case has moved on, the open page says where it went.
    expect(village.locator("#denied")).to_contain_text("本单位已退回该工单", timeout=15_000)
    expect(village.locator("#denied")).to_contain_text("湖滨街道")

    # The district supervisor's situation map is open before the dispute arises.
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "duban")
    expect(page.locator("body")).to_have_attribute("data-stream", "open", timeout=15_000)
    page.evaluate("window.__sameDocument = true")

    # The township bounces it too: the second bounce opens arbitration one tier up.
    wait_on_board(stack, "hubin", case_no, "dispatched")
    act(stack, "hubin", case_no, "bounce", {"note": "路灯日常维护属社区"})
    arbitration = wait_for_arbitration(stack, case_no)
    assert arbitration["bounced_units"] == [VILLAGE, TOWNSHIP]
    assert arbitration["arbitrator_unit_id"] == "U-D01-ZJJ"  # the district's tier
    row = page.locator(f'#arbitrations tr[data-case="{case_no}"]')
    expect(row).to_be_visible(timeout=15_000)  # arrives live on the open map
    assert page.evaluate("window.__sameDocument") is True, "the map was reloaded"

    # 湖滨街道's supervisor sees the dispute in the township but may not decide it.
    other_ctx = context(browser)
    other = other_ctx.new_page()
    login(other, stack, "hubin-duban")
    seen = other.locator(f'#arbitrations tr[data-case="{case_no}"]')
    expect(seen).to_be_visible()
    expect(seen).to_contain_text("无权仲裁")
    expect(seen.locator("form, button")).to_have_count(0)
    shot(other, "arbitration-2-township-supervisor-refused")
    refused = other.evaluate(
        """async (no) => {
          const csrf = document.querySelector('meta[name="csrf-token"]').content;
          const resp = await fetch(`/ui/arbitrations/${no}`, {
            method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
            body: JSON.stringify({unit_id: "U-D01-T01", note: ""}),
          });
          return {status: resp.status, body: await resp.json()};
        }""",
        case_no,
    )
    assert refused["status"] == 403, refused
    assert "无权仲裁" in refused["body"]["message"], refused
    other_ctx.close()

    # The village handler's queue is open when the district decides (narrowed to the case:
    # other tests' cases fill the unit's first pages; the live list keeps the filter).
    village.goto(f"{stack.desk}/queue?q={case_no}")
    expect(village.locator("body")).to_have_attribute("data-stream", "open", timeout=15_000)
    expect(village.locator(f'tr[data-case="{case_no}"]')).to_have_count(0)

    # The district supervisor's decision fits a phone too.
    phone_ctx = context(browser, phone=True)
    on_phone = phone_ctx.new_page()
    login(on_phone, stack, "duban")
    mobile_row = f'#arbitrations tr[data-case="{case_no}"]'
    expect(on_phone.locator(mobile_row)).to_be_visible()
    fits_width(on_phone)
    within_window(on_phone, f"{mobile_row} select[name=unit_id]")
    within_window(on_phone, f"{mobile_row} button")
    shot(on_phone, "phone-6-arbitration")
    # The supervisor's work lists carry the dispute too, under 仲裁 with its count.
    on_phone.goto(f"{stack.desk}/queue?tab=arbitration")
    listed = on_phone.locator(f'tr[data-case="{case_no}"]')
    expect(listed.locator("form.arbitrate select[name=unit_id]")).to_be_visible()
    assert int(on_phone.locator("#tab-arbitration .n").inner_text()) >= 1
    fits_width(on_phone)
    shot(on_phone, "phone-7-arbitration-tab")
    phone_ctx.close()

    expect(row).to_contain_text("柳岸社区")
    expect(row).to_contain_text("湖滨街道")
    # Nothing picked: refused in place.
    row.locator("select[name=unit_id]").select_option("")
    row.locator("button").click()
    expect(page.locator("#action-msg")).to_contain_text("请选择承办单位", timeout=10_000)
    shot(page, "arbitration-3-district-supervisor-map")

    row.locator("select[name=unit_id]").select_option(VILLAGE)
    row.locator("input[name=note]").fill("路灯日常维护属社区职责")
    row.locator("button").click()
    expect(page.locator("#toast")).to_contain_text("指定成功", timeout=10_000)
    expect(page.locator(f'#arbitrations tr[data-case="{case_no}"]')).to_have_count(
        0, timeout=15_000
    )
    # The outcome stays in place after the refresh that removed the row.
    expect(page.locator("#action-msg.ok")).to_have_text("指定成功")
    shot(page, "arbitration-4-decided")

    mine = village.locator(f'tr[data-case="{case_no}"]')
    expect(mine).to_be_visible(timeout=15_000)
    expect(mine).to_contain_text("待签收")
    shot(village, "arbitration-5-village-queue")
    # Arbitration is final: a third bounce is refused, with sla's reason shown.
    mine.locator("a.case-no").click()
    expect(village.locator("#case-unit")).to_contain_text("柳岸社区")
    expect(village.locator("#timeline")).to_contain_text("重新派单", timeout=10_000)
    village.fill("#act-bounce textarea", "仍不同意")
    village.click("#act-bounce button")
    expect(village.locator("#action-msg.bad")).to_contain_text("仲裁", timeout=10_000)
    ctx.close()
    village_ctx.close()
