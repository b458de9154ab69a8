"""The simulator's HTTP API: POST /v1/sms like a provider, GET /v1/messages to read them back,
POST /v1/faults to make the next sends fail (for retry and dead-letter tests), POST
/v1/inbound to make a citizen's reply arrive (上行短信), forwarded like a provider's callback."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Header, HTTPException, Query
from pydantic import BaseModel, Field


class SmsIn(BaseModel):
    """What a provider-neutral SMS API takes: number, template code, values, caller's id."""

    to: str = Field(min_length=5, max_length=32)
    template_id: str = Field(min_length=1, max_length=64)
    params: dict[str, Any] = {}
    text: str = ""
    out_id: str = Field(min_length=1, max_length=64)


class Faults(BaseModel):
    """Answer the next `fail_next` sends with `status` (0 turns faults off)."""

    fail_next: int = Field(ge=0, le=10_000)
    status: int = Field(default=503, ge=400, le=599)


class InboundIn(BaseModel):
    """A reply to make arrive from a phone; reuse `msg_id` to deliver the same one twice."""

    mobile: str = Field(min_length=5, max_length=32)
    content: str = Field(max_length=1000)
    msg_id: str | None = Field(default=None, min_length=1, max_length=64)
    # Where the provider's 上行 callback goes; else MINHU_SMSGW_INBOUND_URL.
    callback_url: str | None = None


def create_app(key: str | None = None, inbound_url: str | None = None) -> FastAPI:
    """The simulator; `key` is the bearer key it expects (MINHU_SMSGW_KEY) and shows on its
    callbacks, `inbound_url` where it forwards replies (MINHU_SMSGW_INBOUND_URL)."""
    app = FastAPI(title="Minhu SMS gateway simulator", version="1")
    expected = key if key is not None else os.environ.get("MINHU_SMSGW_KEY", "minhu-smsgw-local")
    callback = inbound_url or os.environ.get("MINHU_SMSGW_INBOUND_URL", "")
    kept: dict[str, dict[str, Any]] = {}
    attempts: list[dict[str, Any]] = []
    faults = {"left": 0, "status": 503}

    @app.post("/v1/sms", summary="发送短信")
    async def send(body: SmsIn, authorization: Annotated[str, Header()] = "") -> dict[str, Any]:
        if authorization != f"Bearer {expected}":
            raise HTTPException(401, "bad key")
        attempts.append({"out_id": body.out_id, "at": datetime.now(UTC).isoformat()})
        if faults["left"] > 0:
            faults["left"] -= 1
            raise HTTPException(faults["status"], "simulated provider failure")
        # Providers deduplicate on the sender's id: a retried send is not a second SMS.
        duplicate = body.out_id in kept
        if not duplicate:
            kept[body.out_id] = {**body.model_dump(), "received_at": datetime.now(UTC).isoformat()}
        return {"code": "OK", "message_id": body.out_id, "duplicate": duplicate}

    @app.get("/v1/messages", summary="已收短信")
    async def messages(to: Annotated[str | None, Query()] = None) -> list[dict[str, Any]]:
        return [m for m in kept.values() if to is None or m["to"] == to]

    @app.get("/v1/attempts", summary="发送尝试")
    async def all_attempts(out_id: Annotated[str | None, Query()] = None) -> list[dict[str, Any]]:
        return [a for a in attempts if out_id is None or a["out_id"] == out_id]

    @app.post("/v1/faults", summary="模拟故障")
    async def set_faults(body: Faults) -> dict[str, int]:
        faults["left"], faults["status"] = body.fail_next, body.status
        return {"fail_next": body.fail_next}

    @app.post("/v1/inbound", summary="模拟上行短信")
    async def inbound(body: InboundIn) -> dict[str, Any]:
        url = body.callback_url or callback
        if not url:
            raise HTTPException(409, "no inbound callback URL (MINHU_SMSGW_INBOUND_URL)")
        sms = {
            "msg_id": body.msg_id or uuid.uuid4().hex,
            "mobile": body.mobile,
            "content": body.content,
            "received_at": datetime.now(UTC).isoformat(),
        }
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                resp = await client.post(
                    url, json=sms, headers={"Authorization": f"Bearer {expected}"}
                )
        except httpx.HTTPError as exc:
            raise HTTPException(502, f"callback failed: {type(exc).__name__}") from exc
        # A provider retries a callback that was not answered 2xx; the caller decides here.
        return {"msg_id": sms["msg_id"], "callback_status": resp.status_code, "answer": resp.text}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app
