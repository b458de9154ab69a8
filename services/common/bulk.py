"""Many rows in one INSERT, many notifications in one NOTIFY, many keys in one WHERE, whose
SQL text is the same for any number of them.

A multi-row `insert().values([...])` is a new statement for every row count: SQLAlchemy
cannot cache its compiled form, and PostgreSQL parses and plans it afresh, so a consumer
applying batches compiles and prepares on every batch. Here the rows travel as one array
per column and PostgreSQL unnests them in their order:

    INSERT INTO t (a, b) SELECT u.a, u.b FROM unnest($1::A[], $2::B[]) WITH ORDINALITY
        AS u(a, b, n) ORDER BY u.n

so the statement is compiled once per process and prepared once per connection. Columns of
an array type cannot travel this way (PostgreSQL arrays are rectangular); `insert_rows`
refuses them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, Insert, insert

_ORDER = "ordinality"


def insert_rows(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> Insert:
    """An INSERT of `rows` (each with the same keys), in their order, as one statement.

    Add `on_conflict_do_nothing()` or `returning()` to it as to any PostgreSQL insert.
    """
    if not rows:
        raise ValueError("insert_rows needs at least one row")
    columns = list(rows[0])
    for row in rows:
        if row.keys() != rows[0].keys():
            raise ValueError(f"rows of {table.name} differ in their columns")
    arrays, as_json = [], set()
    for name in columns:
        kind = table.c[name].type
        values = [row[name] for row in rows]
        if isinstance(kind, sa.ARRAY):
            raise ValueError(f"{table.name}.{name} is an array column; insert it row by row")
        if isinstance(kind, sa.JSON):
            # A JSON list would read as one more array dimension: JSON goes as its text.
            values = [_json_text(kind, value) for value in values]
            as_json.add(name)
            kind = sa.Text()
        arrays.append(sa.bindparam(None, values, type_=ARRAY(kind)))
    unnested = (
        sa.func.unnest(*arrays)
        .table_valued(*columns, with_ordinality=_ORDER)
        .render_derived(name="u")
    )
    picked = [
        sa.cast(unnested.c[name], table.c[name].type) if name in as_json else unnested.c[name]
        for name in columns
    ]
    source = sa.select(*picked).order_by(unnested.c[_ORDER])
    return insert(table).from_select(columns, source)


def _json_text(kind: sa.JSON, value: Any) -> str | None:
    """A JSON column's value as its text; None as JSON null unless the column says SQL NULL,
    as SQLAlchemy stores it."""
    if value is None and kind.none_as_null:
        return None
    return json.dumps(value)


def one_of(column: sa.ColumnElement[str], values: set[str]) -> sa.ColumnElement[bool]:
    """`column = ANY($1)`, the values (sorted) as one text array: unlike `IN (…)`, one
    statement whatever their number."""
    return column == sa.any_(sa.bindparam(None, sorted(values), ARRAY(sa.String)))


async def notify_all(session: Any, channel: str, payloads: Sequence[str]) -> None:
    """NOTIFY channel with each payload, in their order, in one statement; listeners hear
    them when the caller's transaction commits."""
    if not payloads:
        return
    await session.execute(
        sa.text(
            "SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[]))"
            " WITH ORDINALITY AS t(p, i) ORDER BY i"
        ),
        {"channel": channel, "payloads": list(payloads)},
    )
