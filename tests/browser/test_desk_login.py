"""Signing in at the desk in Debian's Chromium: login, lock-out after repeated failures,
logout ending the session on the server, and forged cross-site requests refused."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.queue_support import PASSWORD, browser, context, login, shot
from tests.support import StackAddresses, desk_login

__all__ = ["browser"]
LOCKED = "登录失败次数过多，账号已临时锁定"


def try_login(page: Page, stack: StackAddresses, username: str, password: str) -> int:
    """Submit the login form once; the status of the answer."""
    page.goto(stack.desk + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_response(
        lambda r: r.url.startswith(stack.desk + "/login") and r.request.method == "POST"
    ) as answer:
        page.click("#login")
    page.wait_for_load_state("domcontentloaded")
    return answer.value.status


def new_account(stack: StackAddresses, role: str = "handler") -> str:
    """An account made by the admin through the admin page's form (its password: PASSWORD2)."""
    name = f"t{secrets.token_hex(4)}"
    with httpx.Client(base_url=stack.desk, timeout=15) as admin:
        desk_login(admin, "admin")
        page = admin.get("/admin/users")
        assert page.status_code == 200 and "账号管理" in page.text
        resp = admin.post(
            "/admin/users",
            data={
                "username": name,
                "name": "测试 办理人",
                "unit_id": "U-D01-T01-V01",
                "role": role,
                "password": PASSWORD2,
                "csrf": admin.headers["X-CSRF-Token"],
            },
        )
        assert resp.status_code == 303 and "done=" in resp.headers["location"], resp.headers
    return name


PASSWORD2 = "湖滨-路灯-2026-测试"


def test_login_shows_the_persons_home_and_name(browser: Browser, stack: StackAddresses) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "liuan")
    expect(page).to_have_url(re.compile(r"/queue$"))
    expect(page.locator("nav .who")).to_contain_text("王网格员")
    cookie = next(c for c in ctx.cookies() if c["name"] == "minhu_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert page.locator('meta[name="csrf-token"]').get_attribute("content")
    ctx.close()


def test_a_wrong_password_is_refused_in_chinese(browser: Browser, stack: StackAddresses) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    assert try_login(page, stack, "jinqiao", "not-the-password") == 401
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")
    ctx.close()


@pytest.mark.parametrize("known", [True, False], ids=["account", "unknown-name"])
def test_repeated_failures_lock_the_name_out(
    browser: Browser, stack: StackAddresses, known: bool
) -> None:
    username = new_account(stack) if known else f"nobody-{secrets.token_hex(3)}"
    ctx = context(browser)
    page = ctx.new_page()
    statuses = [try_login(page, stack, username, "wrong-password") for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429], statuses
    expect(page.locator("#login-error")).to_contain_text(LOCKED)
    expect(page.locator("#login-error")).to_contain_text("15 分钟后再试")
    shot(page, f"login-locked-{'account' if known else 'unknown'}")
    # Locked means locked: the right password does not get in either, and an unknown name
    # is answered exactly like an account.
    assert try_login(page, stack, username, PASSWORD2) == 429
    expect(page.locator("#login-error")).to_contain_text(LOCKED)
    ctx.close()


def test_logout_ends_the_session_and_the_old_cookie_is_refused(
    browser: Browser, stack: StackAddresses
) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "hubin")
    old = next(c["value"] for c in ctx.cookies() if c["name"] == "minhu_session")
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login$"))
    assert not [c for c in ctx.cookies() if c["name"] == "minhu_session"]
    page.goto(stack.desk + "/queue")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    ctx.close()
    # The token kept from before logging out opens nothing any more.
    with httpx.Client(base_url=stack.desk, timeout=10, cookies={"minhu_session": old}) as replay:
        page_answer = replay.get("/queue")
        assert page_answer.status_code == 303 and "/login" in page_answer.headers["location"]
        api_answer = replay.get("/ui/cases")
        assert api_answer.status_code == 401 and api_answer.json()["code"] == "login_required"


def test_a_password_reset_ends_every_session_of_the_account(
    browser: Browser, stack: StackAddresses
) -> None:
    username = new_account(stack)
    with httpx.Client(base_url=stack.desk, timeout=10) as person:
        desk_login(person, username, PASSWORD2)
        assert person.get("/ui/cases").status_code == 200
        with httpx.Client(base_url=stack.desk, timeout=15) as admin:
            token = desk_login(admin, "admin")
            reset = admin.post(
                f"/admin/users/{username}/password",
                data={"password": "换了-新密码-2026", "csrf": token},
            )
            assert reset.status_code == 303 and "done=" in reset.headers["location"]
        assert person.get("/ui/cases").status_code == 401


class _Attacker(BaseHTTPRequestHandler):
    """A page on another origin that posts a form to the desk as soon as it loads."""

    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker() -> Iterator[tuple[str, type[_Attacker]]]:
    """Another origin on the same host (so SameSite=Lax still sends the desk's cookie: only
    the CSRF token stands between the page and the desk)."""
    handler = type("Attacker", (_Attacker,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def forged_form(action: str, fields: dict[str, str]) -> bytes:
    inputs = "".join(f'<input name="{k}" value="{v}">' for k, v in fields.items())
    return (
        f'<!doctype html><meta charset="utf-8"><form id="f" method="post" action="{action}">'
        f"{inputs}</form><script>document.getElementById('f').submit()</script>"
    ).encode()


def test_a_forged_cross_site_post_is_refused(
    browser: Browser, stack: StackAddresses, attacker: tuple[str, type[_Attacker]]
) -> None:
    origin, handler = attacker
    victim = f"x{secrets.token_hex(4)}"
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "admin")
    handler.page = forged_form(
        f"{stack.desk}/admin/users",
        {
            "username": victim,
            "name": "伪造账号",
            "unit_id": "U-D01-DBZX",
            "role": "admin",
            "password": "forged-password-123",
        },
    )
    with page.expect_response(lambda r: r.url == f"{stack.desk}/admin/users") as answer:
        page.goto(origin + "/")
    assert answer.value.status == 403
    assert answer.value.json()["code"] == "csrf_failed"
    page.goto(stack.desk + "/admin/users")
    expect(page.locator("h1")).to_have_text("账号管理")
    expect(page.locator(f'tr[data-user="{victim}"]')).to_have_count(0)
    # The same session's own page posts with its token and gets through.
    page.fill("#create-user input[name=username]", victim)
    page.fill("#create-user input[name=name]", "正常创建")
    page.fill("#create-user input[name=password]", PASSWORD2)
    page.click("#create-user button")
    expect(page.locator("#admin-done")).to_contain_text(victim)
    expect(page.locator(f'tr[data-user="{victim}"]')).to_have_count(1)
    shot(page, "admin-users")

    # A forged login (another site signing the victim in as someone else) is refused too.
    handler.page = forged_form(
        f"{stack.desk}/login", {"username": "duban", "password": PASSWORD, "next": "/"}
    )
    with page.expect_response(lambda r: r.url == f"{stack.desk}/login") as answer:
        page.goto(origin + "/")
    assert answer.value.status == 403
    expect(page.locator("#login-error")).to_contain_text("来自其他网站")
    ctx.close()


def test_a_post_with_the_victims_cookie_but_no_token_is_refused(stack: StackAddresses) -> None:
    with httpx.Client(base_url=stack.desk, timeout=10) as client:
        desk_login(client, "liuan")
        del client.headers["X-CSRF-Token"]
        resp = client.post("/ui/cases/20261201000001/act/accept", json={"note": ""})
        assert resp.status_code == 403 and resp.json()["code"] == "csrf_failed", resp.text
        wrong = client.post(
            "/ui/cases/20261201000001/act/accept",
            json={"note": ""},
            headers={"X-CSRF-Token": "not-the-token"},
        )
        assert wrong.status_code == 403 and wrong.json()["code"] == "csrf_failed"


def test_operators_search_and_auditors_are_kept_to_the_audit(
    browser: Browser, stack: StackAddresses
) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "operator")
    expect(page).to_have_url(re.compile(r"/search"))
    resp = page.goto(stack.desk + "/queue")
    assert resp is not None and resp.status == 403
    expect(page.locator("#denied")).to_contain_text("话务员")
    ctx.close()
    ctx = context(browser)
    page = ctx.new_page()
    login(page, stack, "auditor")
    for path in ("/search", "/queue", "/map", "/admin/users"):
        resp = page.goto(stack.desk + path)
        assert resp is not None and resp.status == 403, path
        expect(page.locator("#denied")).to_contain_text("审计员")
    shot(page, "auditor-refused")
    ctx.close()


def test_the_desks_pages_work_under_their_content_security_policy(
    browser: Browser, stack: StackAddresses
) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    login(page, stack, "admin")
    for path in ("/map", "/reports", "/manual", "/search", "/queue", "/admin/users"):
        resp = page.goto(stack.desk + path)
        assert resp is not None and resp.status == 200, path
        assert "script-src 'self'" in resp.headers["content-security-policy"]
    page.goto(stack.desk + "/reports/bulletin")
    printing = page.locator("button[data-print]")
    expect(printing).to_be_visible()
    assert printing.get_attribute("onclick") is None
    page.evaluate("window.print = () => { document.body.dataset.printed = '1'; }")
    printing.click()
    expect(page.locator("body")).to_have_attribute("data-printed", "1")
    assert refused == [], refused
    ctx.close()
