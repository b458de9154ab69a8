"""SMS through a provider-neutral HTTP gateway: template code, values, our message id."""

from __future__ import annotations

import httpx

from services.notify.channels import ChannelError, Delivery


class SmsGateway:
    """POST {url}/v1/sms with a bearer key; the gateway deduplicates on out_id."""

    def __init__(self, url: str, key: str, codes: dict[str, str], *, timeout: float = 5.0):
        self.client = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout)
        self.key = key
        self.codes = codes

    async def send(self, delivery: Delivery) -> None:
        """Send one text; any non-2xx answer or network failure is a ChannelError."""
        body = {
            "to": delivery.recipient,
            "template_id": self.codes.get(delivery.template, delivery.template),
            "params": delivery.params,
            "text": delivery.body,
            "out_id": delivery.key,
        }
        try:
            resp = await self.client.post(
                "/v1/sms", json=body, headers={"Authorization": f"Bearer {self.key}"}
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"sms gateway unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 300:
            raise ChannelError(f"sms gateway answered {resp.status_code}: {resp.text[:200]}")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()
