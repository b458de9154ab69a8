"""Files and photos in Debian's Chromium: an operator attaches a photo while filing a case
at the console and the handler sees its thumbnail on the case page; a handler on the phone
layout resolves with a photo from the camera input, refused first without one on a topic
the file policy names. Screenshots go to test-artifacts/files-*.png."""

from __future__ import annotations

import os
import re
import secrets

from playwright.sync_api import Browser, Page, expect

from services.common.files.policy import FilePolicy
from tests.browser.queue_support import (
    ARTIFACTS,
    act,
    browser,
    context,
    fits_width,
    login,
    post_case,
    title_tag,
    wait_on_board,
)
from tests.files_support import jpeg_with_gps
from tests.support import StackAddresses

__all__ = ["browser"]

CONTENT = "柳岸路靠近柳岸花园门口的路灯坏了一个星期了，晚上一片漆黑，走路很不安全。"
POLLUTION = "柳岸路柳岸花园旁的小河黑臭，有人往河里偷排污水，气味刺鼻，请尽快查处。"


def shot(page: Page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"files-{name}.png"), full_page=True)


def photo(name: str, colour: tuple[int, int, int]) -> dict[str, object]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_with_gps(colour=colour)}


def thumbnail_shown(page: Page, name: str) -> None:
    """A thumbnail of the named file is on the page and its image actually loaded."""
    img = page.locator(f'#file-list img[alt="{name}"]')
    expect(img).to_be_visible(timeout=20_000)
    page.wait_for_function(
        "(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle(), timeout=15_000
    )


def test_an_operator_attaches_a_photo_that_the_handler_sees(
    browser: Browser, stack: StackAddresses
) -> None:
    desk = context(browser)
    page = desk.new_page()
    login(page, stack, "operator")
    page.goto(stack.intake + "/")
    expect(page.locator("#who-name")).not_to_be_empty()
    tag = title_tag()
    page.fill("#f-caller_phone", f"136{secrets.randbelow(10**8):08d}")
    page.fill("#f-caller_name", "张女士")
    page.fill("#f-title", f"柳岸路路灯不亮{tag}")
    page.fill("#f-address", "柳岸路柳岸花园门口")
    page.fill("#f-content", CONTENT)
    page.set_input_files("#f-files", [photo("来电人拍的路灯.jpg", (40, 40, 160))])
    page.click("#submit")
    number = page.locator("#created-no")
    expect(number).to_have_text(re.compile(r"^\d{8} \d{6}$"), timeout=15_000)
    case_no = number.inner_text().replace(" ", "")
    expect(page.locator("#files-msg")).to_contain_text("已上传 1 个附件", timeout=60_000)
    expect(page.locator("#files-msg")).to_contain_text("来电人拍的路灯.jpg")
    shot(page, "1-console-attached")
    desk.close()

    wait_on_board(stack, "liuan", case_no, "dispatched")
    handler = context(browser)
    page = handler.new_page()
    login(page, stack, "liuan")
    page.goto(f"{stack.desk}/cases/{case_no}")
    expect(page.locator("#case-no")).to_have_text(case_no)
    thumbnail_shown(page, "来电人拍的路灯.jpg")
    expect(page.locator("#files")).to_contain_text("何话务员")
    expect(page.locator("#timeline")).to_contain_text("上传附件（照片）")
    # The thumbnail opens the photo, served by the desk under the case's rules.
    href = page.locator("#file-list a").first.get_attribute("href") or ""
    assert href.startswith(f"/cases/{case_no}/files/"), href
    shot(page, "2-handler-sees-thumbnail")
    handler.close()


def test_a_handler_resolves_with_a_photo_from_the_phone(
    browser: Browser, stack: StackAddresses
) -> None:
    assert FilePolicy.from_file().needs_photo("环境保护")
    case_no = post_case(stack, title=f"柳岸路河道黑臭{title_tag()}", content=POLLUTION)
    # Environmental matters of a general kind go to the township's centre (hubin's).
    wait_on_board(stack, "hubin", case_no, "dispatched")
    act(stack, "hubin", case_no, "accept", {"note": ""})
    wait_on_board(stack, "hubin", case_no, "accepted")
    phone = context(browser, phone=True)
    page = phone.new_page()
    login(page, stack, "hubin")
    page.goto(f"{stack.desk}/cases/{case_no}")
    expect(page.locator("#case-no")).to_have_text(case_no)
    expect(page.locator("#need-photo")).to_contain_text("须附现场照片")
    camera = page.locator("#resolve-photo")
    expect(camera).to_have_attribute("accept", "image/*")
    expect(camera).to_have_attribute("capture", "environment")
    expect(page.locator("#camera-input")).to_have_attribute("capture", "environment")
    form = page.locator("#act-resolve")
    form.locator("textarea[name=note]").fill("已联系生态环境部门查处，排污口已封堵，河道已清理")
    form.locator("input[name=signed]").check()
    form.locator("button").click()
    msg = page.locator("#action-msg")
    expect(msg).to_contain_text("须附现场照片", timeout=15_000)
    fits_width(page)
    shot(page, "3-phone-refused-without-photo")

    camera.set_input_files([photo("整改后的河道.jpg", (30, 150, 60))])
    form.locator("button").click()
    expect(msg).to_contain_text("办结成功", timeout=30_000)
    expect(page.locator("#case-state")).to_have_text("已办结待回访", timeout=20_000)
    thumbnail_shown(page, "整改后的河道.jpg")
    expect(page.locator("#files")).to_contain_text("手机拍摄")
    fits_width(page)
    shot(page, "4-phone-resolved-with-photo")
    phone.close()
