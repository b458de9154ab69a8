"""Pure parts of the desk's identity: throttling, where a login goes on to, claim mapping,
passwords, and the production check of the account settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.desk.identity.nexturl import safe_next
from services.desk.identity.passwords import hash_password, verify, weakness
from services.desk.identity.service import is_local_env
from services.desk.identity.sso import DISABLED, NOT_LINKED, account_for, claimed_username
from services.desk.identity.store import Account, token_id
from services.desk.identity.throttle import Throttle, lockout_message, minutes_left
from services.desk.settings import DeskSettings
from services.desk.ui.users import User

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULE = Throttle(5, timedelta(minutes=15), timedelta(minutes=15))
DESK, INTAKE = "http://127.0.0.1:8006", "http://127.0.0.1:8001"


def ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_five_failures_within_the_window_lock_out_for_the_lockout() -> None:
    assert RULE.locked_until(ago(4, 3, 2, 1), NOW) is None
    until = RULE.locked_until(ago(4, 3, 2, 1, 0), NOW)
    assert until == NOW + timedelta(minutes=15)
    assert RULE.locked_until(ago(4, 3, 2, 1, 0), NOW + timedelta(minutes=15)) is None


def test_failures_spread_wider_than_the_window_do_not_lock() -> None:
    assert RULE.locked_until(ago(40, 30, 20, 10, 0), NOW) is None
    # Old ones do not count, recent ones do.
    assert RULE.locked_until(ago(40, 14, 10, 5, 1, 0), NOW) is not None


def test_the_lockout_runs_from_the_last_failure() -> None:
    later = NOW + timedelta(minutes=10)
    assert RULE.locked_until(ago(4, 3, 2, 1, 0), later) == NOW + timedelta(minutes=15)


def test_the_lockout_message_says_how_long_in_chinese() -> None:
    until = NOW + timedelta(minutes=14, seconds=30)
    assert minutes_left(until, NOW) == 15
    assert lockout_message(until, NOW) == "登录失败次数过多，账号已临时锁定，请 15 分钟后再试。"
    assert minutes_left(NOW + timedelta(seconds=5), NOW) == 1


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cases/20261201000001", "/cases/20261201000001"),
        ("/search?q=路灯", "/search?q=路灯"),
        ("", "/"),
        (None, "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        (f"{INTAKE}/console", f"{INTAKE}/console"),
        (f"{INTAKE}", f"{INTAKE}"),
        (f"{DESK}/queue", f"{DESK}/queue"),
        ("http://127.0.0.1:8001@evil.example/", "/"),
        ("http://user:pw@127.0.0.1:8001/console", "/"),
        ("http://127.0.0.1:80011/console", "/"),
        ("https://127.0.0.1:8001/console", "/"),
        ("/queue\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_a_login_goes_on_only_to_the_desk_or_intake(target: str | None, expected: str) -> None:
    assert safe_next(target, DESK, INTAKE) == expected


def test_a_base_with_a_path_admits_only_what_lies_under_it() -> None:
    base = "https://hotline.example/intake"
    assert safe_next("https://hotline.example/intake/console", base) != "/"
    assert safe_next("https://hotline.example/intakes", base) == "/"


def account(username: str = "liuan", active: bool = True) -> Account:
    return Account(User(username, "王网格员", "U-D01-T01-V01", "handler"), active, "x", NOW, NOW)


def test_claims_map_to_an_existing_active_account_by_preferred_username() -> None:
    claims = {"sub": "abc", "preferred_username": " LiuAn "}
    assert claimed_username(claims) == "liuan"
    got = account_for(claims, account())
    assert isinstance(got, User) and got.username == "liuan" and got.role == "handler"


def test_claims_without_an_account_or_a_name_or_of_a_disabled_one_are_refused() -> None:
    assert account_for({"preferred_username": "stranger"}, None) == NOT_LINKED
    assert account_for({"sub": "abc"}, account()) == NOT_LINKED
    assert account_for({"preferred_username": 7}, account()) == NOT_LINKED
    assert account_for({"preferred_username": "other"}, account()) == NOT_LINKED
    assert account_for({"preferred_username": "liuan"}, account(active=False)) == DISABLED


def test_argon2id_hashes_verify_only_the_right_password() -> None:
    stored = hash_password("minhu-demo")
    assert stored.startswith("$argon2id$")
    assert verify("minhu-demo", stored) and not verify("minhu-dem0", stored)
    # No account (or a broken hash) costs a check and fails.
    assert not verify("minhu-demo", None) and not verify("minhu-demo", "garbage")


def test_weak_new_passwords_are_refused_in_chinese() -> None:
    assert weakness("short") is not None and "10" in (weakness("short") or "")
    assert weakness("aaaaaaaaaaaa") is not None
    assert weakness("湖滨-路灯-2026") is None


def test_the_database_keeps_only_a_hash_of_the_session_token() -> None:
    assert token_id("abc") != "abc" and len(token_id("abc")) == 64


def test_demo_accounts_only_on_local_and_test_environments() -> None:
    plain = DeskSettings()
    assert is_local_env("local") and is_local_env("test-2") and not is_local_env("production")
    assert plain.seeds_demo("test-2") and not plain.seeds_demo("production")
    assert not plain.policy("test-2").secure and plain.policy("staging").secure
    assert plain.production_problems() == []
    unsafe = DeskSettings(seed_demo_users=True, users_file="users.yaml", cookie_secure=False)
    problems = " ".join(unsafe.production_problems())
    for name in ("MINHU_DESK_USERS_FILE", "MINHU_DESK_SEED_DEMO_USERS", "MINHU_DESK_COOKIE_SECURE"):
        assert name in problems


def _signed(claims: dict[str, object]) -> tuple[str, dict[str, object]]:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
    return token, {"keys": [key.as_dict(private=False)]}


def test_an_id_token_is_verified_for_issuer_audience_nonce_and_expiry() -> None:
    from joserfc.errors import JoseError

    from services.desk.identity.sso import Provider, verify_id_token

    provider = Provider("https://sso.city.example", "minhu-desk", "s3cret", "http://x/cb")
    now = int(datetime.now(UTC).timestamp())
    good = {
        "iss": provider.issuer,
        "aud": provider.client_id,
        "exp": now + 300,
        "iat": now,
        "nonce": "n-1",
        "preferred_username": "liuan",
    }
    token, keys = _signed(good)
    assert verify_id_token(token, keys, provider, "n-1")["preferred_username"] == "liuan"
    with pytest.raises(JoseError):
        verify_id_token(token, keys, provider, "another-login")
    for bad in ({"aud": "someone-else"}, {"iss": "https://evil.example"}, {"exp": now - 3600}):
        forged, keys = _signed({**good, **bad})
        with pytest.raises(JoseError):
            verify_id_token(forged, keys, provider, "n-1")
