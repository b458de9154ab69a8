"""Closed cases with their final topic and difficulty, for dispatch's model training."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query

from services.common.access import allow
from services.common.pii import scrub
from services.common.web import Session
from services.desk.tables import cases

# Dispatch reads it when it trains a model version.
router = APIRouter(
    prefix="/v1/training", tags=["training"], dependencies=[Depends(allow(callers=("dispatch",)))]
)


@router.get("/closed", summary="已办结工单的最终分类（模型再训练用）")
async def closed(
    session: Session, limit: Annotated[int, Query(ge=1, le=50000)] = 20000
) -> list[dict[str, Any]]:
    """Newest first: case number, title and text (numbers scrubbed), final topic, difficulty."""
    stmt = (
        sa.select(
            cases.c.case_no,
            cases.c.title,
            cases.c.content,
            cases.c.topic,
            cases.c.difficulty,
            cases.c.closed_at,
            cases.c.close_reason,
        )
        .where(cases.c.closed_at.is_not(None), cases.c.topic != "")
        .order_by(cases.c.closed_at.desc())
        .limit(limit)
    )
    return [
        {
            **r._mapping,
            "title": scrub(r.title),
            "content": scrub(r.content),
            "closed_at": r.closed_at.isoformat(),
        }
        for r in await session.execute(stmt)
    ]
