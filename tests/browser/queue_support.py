"""Shared pieces of the queue UI browser tests: Debian's Chromium, logins, screenshots."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.support import (
    INTAKE_HEADERS,
    ROOT,
    StackAddresses,
    desk_login,
    new_case,
)

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = os.path.join(ROOT, "test-artifacts")
PASSWORD = "minhu-demo"
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright never downloads a browser here."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def context(browser: Browser, *, phone: bool = False) -> BrowserContext:
    """A fresh browser profile at office-screen or phone size."""
    return browser.new_context(
        locale="zh-CN", viewport=PHONE if phone else DESK, is_mobile=phone, has_touch=phone
    )


def login(page: Page, stack: StackAddresses, username: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(stack.desk + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_load_state("domcontentloaded")
    assert "/login" not in page.url, f"{username} could not sign in: {page.url}"


def shot(page: Page, name: str) -> None:
    """Keep a screenshot as a test artefact."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"queue-{name}.png"), full_page=True)


# Characters a tag is made of: Chinese, so a tagged title reads like the others.
_TAG = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def title_tag() -> str:
    """A word no other case's title holds: a test narrows a paged list to its own cases."""
    return "".join(secrets.choice(_TAG) for _ in range(6))


def post_case(stack: StackAddresses, **overrides: Any) -> str:
    """A new case through intake's API; its number."""
    resp = httpx.post(
        f"{stack.intake}/v1/cases", json=new_case(**overrides), headers=INTAKE_HEADERS, timeout=10
    )
    resp.raise_for_status()
    return str(resp.json()["case_no"])


def wait_on_board(stack: StackAddresses, username: str, case_no: str, state: str) -> None:
    """Until the board shows the case in a state for this user (API login, no browser)."""
    with httpx.Client(base_url=stack.desk, timeout=10) as client:
        desk_login(client, username, PASSWORD)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            rows = client.get("/ui/cases", params={"case_no": case_no}).json()
            if any(r["case_no"] == case_no and r["state"] == state for r in rows):
                return
            time.sleep(0.2)
    raise AssertionError(f"{case_no} never reached {state} on {username}'s board")


def act(
    stack: StackAddresses, username: str, case_no: str, action: str, body: dict[str, Any]
) -> None:
    """An action through the UI's API, as another signed-in user's browser would send it."""
    with httpx.Client(base_url=stack.desk, timeout=15) as client:
        desk_login(client, username, PASSWORD)
        resp = client.post(f"/ui/cases/{case_no}/act/{action}", json=body)
        assert resp.status_code == 200, resp.text


def screen_width(page: Page) -> int:
    """The screen's width in CSS pixels (a phone zooms out to fit a wide page, so the window's
    own innerWidth would grow with the page and hide the overflow)."""
    size = page.viewport_size
    assert size is not None
    return int(size["width"])


def fits_width(page: Page) -> None:
    """Nothing on the page is wider than the screen: no sideways scrolling on any screen."""
    found = page.evaluate(
        """(width) => {
          const wide = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 0.5)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
          return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }""",
        screen_width(page),
    )
    width = screen_width(page)
    assert found["scroll"] <= width and found["inner"] <= width, f"{page.url}: {found}"


def within_window(page: Page, selector: str) -> None:
    """The control is shown, and wholly inside the window's width, where a thumb can reach it.

    A live refresh may swap the page's main part while the control is measured, so a control
    that is detached or not yet laid out is looked up again for a few seconds before failing."""
    control = page.locator(selector).first
    box = None
    deadline = time.monotonic() + 10
    while True:
        try:
            control.scroll_into_view_if_needed(timeout=5_000)
            box = control.bounding_box(timeout=5_000)
        except PlaywrightError as exc:
            if "not attached" not in str(exc) or time.monotonic() > deadline:
                raise
            box = None
        if (box is not None and box["width"] > 0 and box["height"] > 0) or (
            time.monotonic() > deadline
        ):
            break
        page.wait_for_timeout(200)
    assert box is not None and box["width"] > 0 and box["height"] > 0, f"{selector} not shown"
    width = screen_width(page)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{selector} sticks out: {box}"


def in_first_screen(page: Page, selector: str) -> None:
    """The control is on the first screen of the page: seen without scrolling."""
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None, f"{selector} not shown"
    assert box["y"] + box["height"] <= size["height"], f"{selector} below the fold: {box}"
