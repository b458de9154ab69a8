"""E-mail over SMTP (aiosmtplib)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from services.notify.channels import ChannelError, Delivery


class Smtp:
    """Sends plain-text mail; the Message-ID is the delivery key, so duplicates are visible."""

    def __init__(self, host: str, port: int, sender: str, *, timeout: float = 5.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    async def send(self, delivery: Delivery) -> None:
        """Send one mail; refusals and connection failures are ChannelErrors."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = delivery.recipient
        msg["Subject"] = f"【12345】工单 {delivery.case_no} 通知"
        msg["Message-ID"] = f"<{delivery.key}@minhu>"
        msg["X-Minhu-Delivery"] = delivery.key
        msg.set_content(delivery.body)
        try:
            await aiosmtplib.send(msg, hostname=self.host, port=self.port, timeout=self.timeout)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"smtp: {type(exc).__name__}: {exc}") from exc
