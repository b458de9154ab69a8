"""insert_rows against PostgreSQL: one statement text for any number of rows, the rows in
their order, JSON values kept as they are (lists among them), conflicts skipped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from services.common.bulk import insert_rows
from services.common.db import make_engine
from tests.support import StackAddresses

NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def _table() -> sa.Table:
    return sa.Table(
        f"bulk_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("key", sa.String(40), nullable=False, unique=True),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
    )


def _rows(prefix: str, n: int) -> list[dict[str, object]]:
    return [
        {
            "key": f"{prefix}-{i}",
            "data": [i, "占道经营", {"units": ["u1", "u2"]}] if i % 2 else {"n": None},
            "at": NOW if i % 3 else None,
            "payload": bytes([i, 0, 255]),
            "urgent": i % 2 == 0,
            "score": None if i % 2 else i / 2,
        }
        for i in range(n)
    ]


async def test_rows_go_in_order_and_conflicts_are_skipped(stack: StackAddresses) -> None:
    table = _table()
    engine = make_engine(
        stack.dsn("minhu_notify").replace("postgresql://", "postgresql+asyncpg://")
    )
    texts: list[str] = []

    @sa.event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if table.name in statement and statement.startswith("INSERT"):
            texts.append(statement)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(table.create)
        expected: list[dict[str, object]] = []
        for prefix, n in (("a", 1), ("b", 4), ("c", 9)):
            rows = _rows(prefix, n)
            async with engine.begin() as conn:
                stmt = insert_rows(table, [*rows, rows[0]])  # the first row twice
                added = await conn.execute(
                    stmt.on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
                )
                assert sorted(k for (k,) in added) == sorted(str(r["key"]) for r in rows)
            expected += rows
        async with engine.connect() as conn:
            result = await conn.execute(sa.select(table).order_by(table.c.seq))
            stored = [dict(r._mapping) for r in result]
        assert [{k: v for k, v in r.items() if k != "seq"} for r in stored] == expected
        assert len(set(texts)) == 1, "one statement text whatever the number of rows"
        assert insert_rows(table, _rows("d", 3))._generate_cache_key() is not None
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(table.drop)
        await engine.dispose()


def test_rows_must_share_their_columns() -> None:
    table = _table()
    with pytest.raises(ValueError, match="differ"):
        insert_rows(table, [{"key": "a", "urgent": True}, {"key": "b"}])
    with pytest.raises(ValueError, match="at least one"):
        insert_rows(table, [])
