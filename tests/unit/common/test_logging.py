"""Logged tracebacks carry no local variables (they would hold callers' numbers)."""

from __future__ import annotations

import logging

import pytest

from services.common.logging import configure_logging, get_logger


def test_a_logged_traceback_holds_no_local_values(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("test")
        caller_phone = "13800138000"
        try:
            raise ValueError(f"boom for a caller of {len(caller_phone)} digits")
        except ValueError:
            get_logger("test").exception("failed")
        out = capsys.readouterr().out
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert "boom for a caller" in out and "13800138000" not in out
