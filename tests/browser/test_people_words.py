"""Every page people work from reads in Chinese: each role signs in, walks its pages, the
operator console and a case page with a whole history, and no Latin word shows outside the
few allowed (tests/wording.py). What people typed themselves (the case's text, notes) is
written in Chinese here, so any Latin left on a page came from the product."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page

from tests.browser.queue_support import ARTIFACTS, browser, context, login  # noqa: F401
from tests.support import (
    AS_INTAKE,
    DRILL_POLICY,
    INTAKE_HEADERS,
    PROFILE,
    ROOT,
    SERVICE_HEADERS,
    StackAddresses,
    acting,
    new_case,
)
from tests.wording import latin_words

DEMO_USERS = "services/desk/ui/demo_users.yaml"

CONSOLE = "intake's operator console"
# The account page lists login names: what an admin types, not words of the product.
ACCOUNTS = frozenset(
    u["username"] for u in yaml.safe_load(Path(ROOT, DEMO_USERS).read_text())["users"]
)
# The pages of each role's navigation, and the pages a role opens from them.
PAGES = {
    "liuan": ["/queue", "/search"],
    "hubin": ["/queue", "/search"],
    "operator": ["/search", CONSOLE],
    "dispatcher": ["/queue", "/search", "/manual", "/map", "/reports", "/reports/bulletin"],
    "hubin-duban": ["/queue", "/search", "/map", "/reports"],
    "duban": ["/queue", "/search", "/map", "/reports", "/reports/bulletin"],
    "admin": ["/queue", "/search", "/manual", "/map", "/reports", "/admin/users", "/admin/model"],
    "auditor": ["/audit"],
}
# Who may open the case's page (its unit, the township it climbed to, the centre).
CASE_READERS = ("hubin", "dispatcher", "hubin-duban", "duban", "admin")


@pytest.fixture(scope="module")
def drill() -> Iterator[None]:
    """sla runs the drill policy (deadlines of seconds) so the case climbs while we watch."""
    _stack("restart", "sla", env={**os.environ, "MINHU_SLA_POLICY": DRILL_POLICY})
    yield
    _stack("restart", "sla", env={k: v for k, v in os.environ.items() if k != "MINHU_SLA_POLICY"})


def _stack(*args: str, env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "deploy/stack.py", "--profile", PROFILE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _wait(probe: Any, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"not reached within {timeout}s: {last!r}")


def _command(http: httpx.Client, sla: str, command: str, actor: str, **body: Any) -> None:
    resp = http.post(f"{sla}/{command}", json={"actor": actor, **body}, headers=acting(actor))
    assert resp.status_code == 200, (command, resp.text)


@pytest.fixture(scope="module")
def full_case(drill: None) -> str:
    """A case filed, dispatched, escalated, accepted, reported on, extended, resolved, called
    back and closed: every kind of line its page can show."""
    stack = StackAddresses.from_env()
    with httpx.Client(timeout=15.0, headers={**SERVICE_HEADERS, **INTAKE_HEADERS}) as http:
        resp = http.post(f"{stack.intake}/v1/cases", json=new_case())
        assert resp.status_code == 201, resp.text
        case_no = str(resp.json()["case_no"])
        sla = f"{stack.sla}/v1/cases/{case_no}"

        def status() -> dict[str, Any] | None:
            r = http.get(sla)
            return r.json() if r.status_code == 200 else None

        _wait(lambda: (s := status()) and s["tier"] == "township" and s)
        _command(http, sla, "accept", "hubin", note="马上派人查看")
        _command(http, sla, "progress", "hubin", note="已联系供电所，约定明早更换")
        _command(http, sla, "extension", "hubin", amount=10, reason="等候供电所配件")
        _command(http, sla, "extension/decision", "duban", approve=True, note="同意延期")
        _command(http, sla, "resolve", "hubin", note="已更换路灯灯泡，恢复照明")
        _command(http, sla, "callback", "paidan", satisfied=True, reached=True, note="群众表示满意")

        def told() -> bool:
            r = http.get(f"{stack.notify}/v1/cases/{case_no}/notifications", headers=AS_INTAKE)
            return r.status_code == 200 and len(r.json()) >= 3

        _wait(told)

        def recorded() -> bool:
            r = http.get(f"{stack.desk}/v1/cases/{case_no}/record")
            kinds = {line["kind"] for line in r.json()["story"]} if r.status_code == 200 else set()
            return "closed" in kinds and "escalated" in kinds

        _wait(recorded)
    return case_no


def _read(page: Page, url: str) -> str:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.inner_text("body")


def _console(page: Page, url: str, case_no: str) -> str:
    """The operator console with the case's timeline open, as an operator looks it up."""
    page.goto(url)
    page.fill("#q", case_no)
    page.press("#q", "Enter")
    page.locator("#case-view").get_by_text("通知记录").wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")
    return page.inner_text("body")


def _data_words(page: Page, path: str) -> frozenset[str]:
    """Words a page shows as recorded data, not as the product's wording: login names on the
    account page (as the accounts hold them) and the promoters' on the model page, version
    ids (v0001), data digests and the metric F1 there, readers' user agents in the audit."""
    if path == "/admin/users":
        return ACCOUNTS | frozenset(page.locator('td[data-label="账号"]').all_inner_texts())
    if path == "/admin/model":
        text = page.inner_text("body")
        # Versions and data digests, also where Chinese text runs right up to them.
        ids = re.findall(r"(?<![0-9A-Za-z])(?:v\d{4}|[0-9a-f]{8,})(?![0-9A-Za-z])", text)
        # A digest may begin with digits: the words it reads as are allowed with it.
        return ACCOUNTS | {"F1"} | frozenset(ids) | frozenset(latin_words(" ".join(ids)))
    if path == "/audit":
        # The last column is each reader's user agent, as their browser or client sent it.
        agents = " ".join(page.locator("table tbody tr td:last-child").all_text_contents())
        return ACCOUNTS | frozenset(latin_words(agents))
    return frozenset()


def _check(where: str, text: str, found: dict[str, list[str]]) -> None:
    words = latin_words(text)
    if words:
        found[where] = sorted(set(words))


# The drill's climb, a whole history and every role's pages, then sla back on its own policy:
# longer than the suite's default on a loaded machine.
@pytest.mark.timeout(900)
def test_every_page_reads_in_chinese(browser: Browser, full_case: str) -> None:  # noqa: F811
    stack = StackAddresses.from_env()
    found: dict[str, list[str]] = {}
    dump = []
    for username, paths in PAGES.items():
        ctx = context(browser)
        page = ctx.new_page()
        login(page, stack, username)
        case_pages = [f"/cases/{full_case}", f"/cases/{full_case}/record"]
        for path in paths + (case_pages if username in CASE_READERS else []):
            if path == CONSOLE:
                text = _console(page, stack.intake + "/", full_case)
            else:
                text = _read(page, stack.desk + path)
            dump.append(f"===== {username} {path}\n{text}")
            words = latin_words(text, _data_words(page, path))
            if words:
                found[f"{username} {path}"] = sorted(set(words))
        ctx.close()
    Path(ARTIFACTS, "people_words.txt").write_text("\n".join(dump), encoding="utf-8")
    assert not found, found
