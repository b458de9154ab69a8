"""Signed webhooks: the receiver checks HMAC-SHA256 over the timestamp and the body."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx

from services.notify.channels import ChannelError, Delivery

SIGNATURE = "X-Minhu-Signature"
TIMESTAMP = "X-Minhu-Timestamp"
DELIVERY = "X-Minhu-Delivery"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """sha256=<hex> over "<timestamp>.<body>"; receivers reject old timestamps."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Webhooks:
    """POSTs a delivery's JSON body to the subscriber it names."""

    def __init__(self, targets: dict[str, tuple[str, str]], *, timeout: float = 5.0) -> None:
        self.targets = targets  # name -> (url, secret)
        self.client = httpx.AsyncClient(timeout=timeout)

    async def send(self, delivery: Delivery) -> None:
        """One signed POST; a non-2xx answer or a network failure is a ChannelError."""
        if delivery.recipient not in self.targets:
            raise ChannelError(f"no webhook subscriber named {delivery.recipient!r}")
        url, secret = self.targets[delivery.recipient]
        body = delivery.body.encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: sign(secret, ts, body),
            TIMESTAMP: ts,
            DELIVERY: delivery.key,
        }
        try:
            resp = await self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"webhook unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 300:
            raise ChannelError(f"webhook answered {resp.status_code}")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()
