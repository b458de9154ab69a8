"""Intake's access: the desk session check (a fake desk), API keys, scopes and masking."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request

from services.common.access import Kind
from services.intake.access import DeskSessions, _given_key
from services.intake.domain.access import (
    CASES_READ,
    OPEN311_WRITE,
    check_scopes,
    key_hash,
    masked_case,
    masked_timeline,
    new_key,
)

PERSON = {"username": "operator", "name": "话务员 小王", "role": "operator", "unit_id": "U-1",
          "csrf": "c-123"}  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeDesk:
    """Answers GET /v1/sessions/current for one known cookie; counts what it was asked."""

    def __init__(self, *, valid: str = "good", down: bool = False) -> None:
        self.valid = valid
        self.down = down
        self.asked: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        assert request.url.path == "/v1/sessions/current"
        if request.headers.get("x-minhu-session") == self.valid:
            return httpx.Response(200, json=PERSON)
        return httpx.Response(
            401, json={"code": "session_invalid", "message": "登录已失效，请重新登录"}
        )


def sessions(desk: FakeDesk, clock: Clock, ttl: float = 5.0) -> DeskSessions:
    return DeskSessions(
        "http://desk.test/",
        headers={"Authorization": "Bearer intake-token"},
        ttl=ttl,
        transport=httpx.MockTransport(desk),
        clock=clock,
    )


async def test_a_signed_in_person_is_asked_of_the_desk_with_intakes_token() -> None:
    desk, clock = FakeDesk(), Clock()
    who = await sessions(desk, clock).who("good")
    assert who is not None and who.kind is Kind.PERSON
    assert (who.name, who.role, who.unit_id, who.csrf) == ("operator", "operator", "U-1", "c-123")
    assert who.display_name == "话务员 小王" and who.session_id and who.session_id != "good"
    sent = desk.asked[0]
    assert sent.headers["authorization"] == "Bearer intake-token"
    assert sent.headers["x-minhu-session"] == "good"


async def test_a_yes_is_trusted_for_seconds_only_so_logout_takes_effect() -> None:
    desk, clock = FakeDesk(), Clock()
    auth = sessions(desk, clock, ttl=5.0)
    assert await auth.who("good") and await auth.who("good")
    assert len(desk.asked) == 1
    desk.valid = "other"  # logged out at the desk
    clock.now = 4.9
    assert await auth.who("good") is not None
    clock.now = 5.1
    assert await auth.who("good") is None
    assert len(desk.asked) == 2


async def test_an_unknown_cookie_is_not_signed_in() -> None:
    auth = sessions(FakeDesk(), Clock())
    assert await auth.who("forged") is None


async def test_an_unreachable_desk_means_signed_out_and_is_not_remembered() -> None:
    desk, clock = FakeDesk(down=True), Clock()
    auth = sessions(desk, clock)
    assert await auth.who("good") is None
    desk.down = False
    assert await auth.who("good") is not None  # asked again at once, not after a ttl
    assert len(desk.asked) == 2


async def test_a_desk_error_or_garbage_is_not_a_login() -> None:
    for answer in (httpx.Response(500, text="boom"), httpx.Response(200, json={"who": "x"})):
        auth = DeskSessions(
            "http://desk.test",
            headers={},
            transport=httpx.MockTransport(lambda _r, a=answer: a),
        )
        assert await auth.who("good") is None


def test_keys_are_random_and_kept_as_sha256_only() -> None:
    a, b = new_key(), new_key()
    assert a != b and a.startswith("mk_") and len(a) > 40
    assert key_hash(a) != a and len(key_hash(a)) == 64
    assert key_hash("minhu-demo") == key_hash("minhu-demo") != key_hash("minhu-dem0")


def test_scopes_are_checked() -> None:
    assert check_scopes([OPEN311_WRITE, CASES_READ, OPEN311_WRITE]) == [CASES_READ, OPEN311_WRITE]
    with pytest.raises(ValueError, match="unknown scope"):
        check_scopes(["cases:delete"])
    with pytest.raises(ValueError, match="at least one"):
        check_scopes([])


def test_intake_answers_mask_number_name_and_numbers_in_text() -> None:
    case = {
        "case_no": "20261201000001",
        "caller_phone": "13812345678",
        "caller_name": "欧阳娜娜",
        "content": "请回电 13987654321 或 0731-88886666",
        "title": None,
        "address": "柳岸路",
    }
    out = masked_case(case)
    assert out["caller_phone"] == "138****5678" and out["caller_name"] == "欧***"
    assert "13987654321" not in out["content"] and "88886666" not in out["content"]
    assert case["caller_phone"] == "13812345678"  # the stored dict is left alone
    anonymous = masked_case({**case, "caller_phone": None, "caller_name": None})
    assert anonymous["caller_phone"] is None and anonymous["caller_name"] is None


def test_timeline_masks_the_case_and_every_number_from_the_peers() -> None:
    timeline = {
        "case": {"case_no": "1", "caller_phone": "13812345678", "caller_name": "张三",
                 "content": "路灯坏了"},
        "dispatch": {"explanation": "来电人 13812345678 反映"},
        "sla": None,
        "notifications": [{"recipient": "13812345678", "body": "您的诉求已受理", "channel": "sms"}],
        "record": [{"what": "回访", "note": "已致电 13812345678"}],
        "unavailable": [],
    }  # fmt: skip
    text = str(masked_timeline(timeline))
    assert "13812345678" not in text and "张三" not in text
    assert "138****5678" in text


def _request(path: str, *, headers: dict[str, str], query: str = "", body: bytes = b"") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {"type": "http", "method": "POST" if body else "GET", "path": path,
             "query_string": query.encode(), "headers": raw}  # fmt: skip
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


async def test_which_key_a_request_shows() -> None:
    header = {"X-API-Key": "from-header"}
    assert await _given_key(_request("/v1/cases", headers=header)) == "from-header"
    # Keys in addresses end up in logs: outside Open311 only the header counts.
    assert await _given_key(_request("/v1/cases", headers={}, query="api_key=k")) == ""
    assert (
        await _given_key(_request("/open311/v2/requests.json", headers={}, query="api_key=q"))
        == "q"
    )
    form = {"content-type": "application/x-www-form-urlencoded", **header}
    spec = _request("/open311/v2/requests.json", headers=form, body=b"api_key=from-form&x=1")
    assert await _given_key(spec) == "from-form"  # the spec's field decides when given
    plain = _request("/open311/v2/requests.json", headers=form, body=b"x=1")
    assert await _given_key(plain) == "from-header"
