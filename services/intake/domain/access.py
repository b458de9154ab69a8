"""Intake's access rules that need no server: API-client keys and scopes, masked answers.

A key is shown once when its client is added; intake keeps only its SHA-256. Intake's
answers never carry a caller's full number or name: full numbers are read (and audited)
only in the desk.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from services.common.pii import masked, masked_name, scrub

OPEN311_WRITE = "open311:write"
CASES_WRITE = "cases:write"
CASES_READ = "cases:read"
SCOPES = (OPEN311_WRITE, CASES_WRITE, CASES_READ)
SCOPE_LABELS = {
    OPEN311_WRITE: "通过 Open311 提交诉求",
    CASES_WRITE: "通过 REST 接口受理诉求",
    CASES_READ: "查看诉求（号码、姓名已脱敏）",
}
# The demo client of local and test profiles (README); production refuses it.
DEMO_CLIENT = "minhu-demo"
DEMO_KEY = "minhu-demo"
CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


def key_hash(key: str) -> str:
    """What intake keeps of a key (hex SHA-256): enough to recognise it, useless to call with."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A fresh key: 32 random bytes, URL-safe, with a prefix that says what it is."""
    return f"mk_{secrets.token_urlsafe(32)}"


def check_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    """The scopes sorted and deduplicated; ValueError naming any unknown one."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError(f"give at least one scope: {', '.join(SCOPES)}")
    return sorted(set(scopes))


def scrub_caller(text: str, name: str | None = None) -> str:
    """Free text with phone numbers masked, and the caller's own name where it appears."""
    text = scrub(text)
    if name and len(name) >= 2:
        text = text.replace(name, masked_name(name))
    return text


def masked_case(case: dict[str, Any]) -> dict[str, Any]:
    """A case as intake answers it: number and name masked, numbers in the text masked."""
    out = dict(case)
    name = case.get("caller_name")
    out["caller_phone"] = masked(case.get("caller_phone") or "") or None
    out["caller_name"] = masked_name(name or "") or None
    for text in ("content", "title", "address", "urgent_reason", "answer"):
        if out.get(text):
            out[text] = scrub_caller(out[text], name)
    return out


def masked_timeline(timeline: dict[str, Any]) -> dict[str, Any]:
    """A timeline with the case masked and every number in notices and records scrubbed."""
    out = dict(timeline)
    out["case"] = masked_case(timeline["case"])
    out["notifications"] = [
        {
            **n,
            "recipient": scrub(str(n.get("recipient") or "")),
            "body": scrub(str(n.get("body") or "")),
        }
        for n in timeline.get("notifications") or []
    ]
    out["record"] = [
        {k: scrub(v) if isinstance(v, str) else v for k, v in entry.items()}
        for entry in timeline.get("record") or []
        if isinstance(entry, dict)
    ]
    for part in ("dispatch", "sla"):
        if isinstance(timeline.get(part), dict):
            out[part] = _scrubbed(timeline[part])
    return out


def _scrubbed(value: Any) -> Any:
    """Every string inside a JSON value with phone numbers masked."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    return value
