"""Open311 bodies in the spec's XML or JSON, and its error format."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from services.intake.domain.model import CENTRE_TZ

XML = "text/xml"
JSON = "application/json"
# The element holding each item of a list, by its parent element.
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def iso(value: datetime | None) -> str | None:
    """ISO-8601 with the centre's offset (2026-11-23T09:30:00+08:00), or None."""
    return value.astimezone(CENTRE_TZ).isoformat(timespec="seconds") if value else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ET.SubElement(parent, key), inner)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item_tag = _ITEM.get(parent.tag, "item")
        for inner in value:
            _fill(ET.SubElement(parent, item_tag), inner)
    else:
        parent.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """UTF-8 XML with a declaration; lists become repeated item elements."""
    element = ET.Element(root)
    _fill(element, value)
    out: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return out


def to_json(value: Any) -> bytes:
    """UTF-8 JSON with Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def body(fmt: str, root: str, value: Any) -> tuple[bytes, str]:
    """(bytes, media type) of value in the requested format."""
    return (to_xml(root, value), XML) if fmt == "xml" else (to_json(value), JSON)


def errors(fmt: str, status: int, descriptions: Sequence[str]) -> tuple[bytes, str]:
    """The spec's error list: one {code, description} per problem."""
    items = [{"code": status, "description": d} for d in descriptions]
    return body(fmt, "errors", items)


def fmt_of(path: str) -> str:
    """The format a path asks for by its suffix; XML, the spec's default, otherwise."""
    return "json" if path.endswith(".json") else "xml"


def error_response(path: str, status: int, description: str) -> tuple[bytes, str]:
    """An error body for a request that never reached its route."""
    return errors(fmt_of(path), status, [description])
