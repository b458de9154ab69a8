"""The raw web baseline: FastAPI inserting each POST's body with asyncpg, nothing else.

python -m bench.harness.rawapi PORT DSN
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DDL = """CREATE TABLE IF NOT EXISTS bench_raw (
    id bigserial PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"""


def create_app(dsn: str) -> FastAPI:
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=5, max_size=20)
        async with state["pool"].acquire() as conn:
            await conn.execute(DDL)
        yield
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/cases", status_code=201)
    async def create(request: Request) -> JSONResponse:
        body = await request.json()
        async with state["pool"].acquire() as conn:
            row_id = await conn.fetchval(
                "INSERT INTO bench_raw (body) VALUES ($1::jsonb) RETURNING id",
                json.dumps(body, ensure_ascii=False),
            )
        return JSONResponse({"id": row_id}, status_code=201)

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    port, dsn = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(create_app(dsn), host="127.0.0.1", port=port, log_level="warning")
