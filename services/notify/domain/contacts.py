"""Duty phones (值班电话) of handling units and of the supervision centre, from
services/notify/contacts.yaml; checked when notify starts, so a typo fails loudly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONTACTS = Path(__file__).resolve().parent.parent / "contacts.yaml"
# Duty SMS need a mobile: a landline cannot receive a text.
MOBILE = re.compile(r"^1[3-9]\d{9}$")
UNIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class ContactsError(ValueError):
    """The contacts file is missing, unreadable or holds an invalid entry."""


@dataclass(frozen=True, slots=True)
class DutyContacts:
    """Who answers the duty phone: unit id → number, and the supervision centre's number."""

    units: dict[str, str] = field(default_factory=dict)
    supervision: str = ""

    def unit_phone(self, unit_id: str) -> str | None:
        """The unit's duty phone, or None when the file has none for it."""
        return self.units.get(unit_id)

    @classmethod
    def parse(cls, data: Any, *, source: str = "contacts") -> DutyContacts:
        """Check a loaded contacts document; every problem is named in one error."""
        if not isinstance(data, dict):
            raise ContactsError(f"{source}: expected a mapping with `supervision` and `units`")
        problems: list[str] = []
        unknown = sorted(set(data) - {"supervision", "units"})
        if unknown:
            problems.append(f"unknown keys {unknown}")
        supervision = _number(data.get("supervision"))
        if not isinstance(supervision, str) or not MOBILE.match(supervision):
            problems.append(f"supervision: {supervision!r} is not a mainland mobile number")
        units = data.get("units")
        if not isinstance(units, dict) or not units:
            problems.append("units: expected a non-empty mapping of unit id to duty phone")
            units = {}
        units = {k: _number(v) for k, v in units.items()}
        for unit_id, phone in units.items():
            if not isinstance(unit_id, str) or not UNIT_ID.match(unit_id):
                problems.append(f"units: {unit_id!r} is not a unit id")
            elif not isinstance(phone, str) or not MOBILE.match(phone):
                problems.append(f"units.{unit_id}: {phone!r} is not a mainland mobile number")
        if problems:
            raise ContactsError(f"{source}: " + "; ".join(problems))
        return cls(units={str(k): str(v) for k, v in units.items()}, supervision=str(supervision))

    @classmethod
    def from_file(cls, path: Path | None = None) -> DutyContacts:
        """Load and check a contacts file (the shipped demo file by default)."""
        path = path or DEFAULT_CONTACTS
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ContactsError(f"{path}: cannot read duty contacts: {exc}") from exc
        return cls.parse(data, source=str(path))


def _number(value: Any) -> Any:
    # An unquoted number in YAML loads as an int; a mobile number has no leading zero to lose.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
