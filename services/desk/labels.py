"""The names people read at the desk: the shared vocabulary of codes (services/common/labels.py)
and the names of units (the jurisdiction directory) and of people (the desk's accounts).

One place, shared by the pages, the record's story and the exports.
"""

from __future__ import annotations

from collections.abc import Callable

from services.common.labels import (
    ACTIONS,
    CHANNELS,
    CLOSE_REASONS,
    DEADLINE_LIMITS,
    DEADLINES,
    DECISIONS,
    DIFFICULTY,
    INBOXES,
    LIGHTS,
    NOTICE_CHANNELS,
    NOTICE_STATUS,
    ROLES,
    STATES,
    TIERS,
    TIME_UNITS,
    amount,
    person,
)

__all__ = [
    "ACTIONS",
    "CHANNELS",
    "CLOSE_REASONS",
    "DEADLINES",
    "DEADLINE_LIMITS",
    "DECISIONS",
    "DIFFICULTY",
    "INBOXES",
    "LIGHTS",
    "NOTICE_CHANNELS",
    "NOTICE_STATUS",
    "ROLES",
    "STATES",
    "TIERS",
    "TIME_UNITS",
    "amount",
    "person",
    "unit_or_inbox",
]


def unit_or_inbox(names: Callable[[str], str], recipient: str) -> str:
    """A recipient as people name it: a unit by its directory name, an inbox by its own."""
    if recipient in INBOXES:
        return INBOXES[recipient]
    return names(recipient) if recipient else ""
