"""Delivery channels: SMS gateway, SMTP e-mail, signed webhooks. Each sends one delivery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class ChannelError(Exception):
    """The channel did not take the message; the delivery is retried, then dead-lettered."""


@dataclass(frozen=True)
class Delivery:
    """One row of the delivery log, as a channel needs it.

    `key` is stable per event, channel and recipient: receivers deduplicate on it, so a
    retry after a lost acknowledgement does not reach the person twice.
    """

    key: str
    case_no: str
    event_id: str
    event_type: str
    recipient: str
    template: str
    body: str
    params: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    """Sends one delivery or raises ChannelError."""

    async def send(self, delivery: Delivery) -> None:
        """Hand the message to the channel."""
        ...
