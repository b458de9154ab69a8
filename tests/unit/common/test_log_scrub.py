"""Every log line has the phone numbers in its strings masked, however deep they sit."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from services.common.logging import configure_logging, get_logger, scrub_phones


def test_strings_nested_in_a_line_are_scrubbed_and_identifiers_are_left() -> None:
    line = {
        "event": "sms gateway answered 400 for 13812345678",
        "error": ["to 010-62345678 refused", {"detail": "+86 13912345678"}],
        "case_no": "20261121000042",
        "event_id": "0b7e0f52-1c1f-4a55-9a57-013812345678",
        "attempts": 3,
    }
    out = scrub_phones(None, "info", dict(line))
    assert out["event"] == "sms gateway answered 400 for 138****5678"
    assert out["error"] == ["to 010****5678 refused", {"detail": "139****5678"}]
    assert out["case_no"] == line["case_no"] and out["event_id"] == line["event_id"]
    assert out["attempts"] == 3


def test_a_configured_logger_writes_no_plain_number(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buffer)
    configure_logging("test", json=True)
    try:
        get_logger("t").warning("caller 13812345678 rang", note="call back 13900001111")
        logging.getLogger("plain").error("stdlib line with %s", "13700002222")
        try:
            raise ValueError("bad number 13600003333")
        except ValueError:
            get_logger("t").exception("failed")
    finally:
        logging.getLogger().handlers.clear()
    text = buffer.getvalue()
    for number in ("13812345678", "13900001111", "13700002222", "13600003333"):
        assert number not in text
    lines = [json.loads(raw) for raw in text.splitlines()]
    assert lines[0]["event"] == "caller 138****5678 rang"
    assert lines[0]["note"] == "call back 139****1111"
    assert "137****2222" in lines[1]["event"]
