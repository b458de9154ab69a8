"""Search of all cases (全部工单): filters, Chinese words, caller phone, sorted pages.

`Search` is what a person asked for; `statement` turns it into one SQL query over the
board, within the asker's scope. The words filter uses the GIN index on `words`
(jieba's search segmentation, see words.py); a one-character word falls back to a
substring match of title and content.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services.common import pii
from services.desk.board.queries import Scope, within
from services.desk.search.words import query_words
from services.desk.tables import callers, cases

c = cases.c
# Every search holds received_at IS NOT NULL, so plain ASC/DESC: a NULLS LAST on a descending
# sort would keep PostgreSQL from reading the date indexes backwards (a full scan at 1M).
SORTS = {
    "received_desc": (c.received_at.desc(), c.case_no.desc()),
    "received_asc": (c.received_at.asc(), c.case_no.asc()),
    "closed_desc": (c.closed_at.desc().nulls_last(), c.case_no.desc()),
}
FILTERS = ("unit_id", "township_id", "topic", "difficulty", "state", "light", "channel")
# Counting every match of a broad query would cost more than the page: say "over N".
COUNT_CAP = 1_000
PAGE_MAX = 100
# No caller has this blind index (indexes are hex digests).
NO_REF = "-"


class TooBroad(ValueError):
    """A search that would read every case of a district (its message is for people)."""


@dataclass(frozen=True)
class Search:
    """One search as asked: every field optional, all given ones must hold."""

    case_no: str = ""
    # The caller's number as asked (shown back in the form) and its blind index, which is
    # what is matched: the desk stores no number plain (see `by_phone`).
    phone: str = ""
    caller_ref: str = ""
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "received_desc"
    page: int = 1
    size: int = 20
    equals: dict[str, str] = field(default_factory=dict)


def conditions(search: Search, scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of a search within a scope."""
    where: list[sa.ColumnElement[bool]] = [within(scope), c.received_at.is_not(None)]
    if search.case_no:
        where.append(c.case_no == search.case_no)
    if search.phone or search.caller_ref:
        where.append(
            c.case_no.in_(
                sa.select(callers.c.case_no).where(callers.c.caller_ref == search.caller_ref)
            )
        )
    narrowed = (
        scope.kind in ("unit", "township")
        or any(search.equals.get(k) for k in ("unit_id", "township_id"))
        or search.since is not None
        or bool(search.case_no or search.phone)
    )
    for word in query_words(search.text):
        if len(word) < 2 and not narrowed:
            # No index holds single characters: across a district that is a full scan.
            raise TooBroad("单字检索请同时选择承办单位或受理日期，或输入两个字以上的词。")
        if len(word) >= 2:
            where.append(c.words.op("@@")(sa.func.to_tsquery("simple", _quoted(word))))
        else:
            like = f"%{word}%"
            where.append(sa.or_(c.title.like(like), c.content.like(like)))
    for name, value in search.equals.items():
        if name in FILTERS and value:
            where.append(c[name] == value)
    if search.since is not None:
        where.append(c.received_at >= search.since)
    if search.until is not None:
        where.append(c.received_at < search.until)
    return where


def by_phone(search: Search, sealer: pii.Sealer) -> Search:
    """The search with its number's blind index; a number without digits matches nothing."""
    if not search.phone:
        return search
    return replace(search, caller_ref=sealer.index(search.phone) or NO_REF)


def _quoted(word: str) -> str:
    # A tsquery literal: quotes doubled, so no word can inject tsquery operators.
    return "'" + word.replace("'", "''") + "'"


def statement(search: Search, scope: Scope) -> sa.Select[Any]:
    """The page of matching cases, sorted as asked."""
    shown = [col for col in cases.c if col.name not in ("words", "sla_stale", "sla_tries")]
    size = max(1, min(search.size, PAGE_MAX))
    return (
        sa.select(*shown)
        .where(*conditions(search, scope))
        .order_by(*SORTS.get(search.sort, SORTS["received_desc"]))
        .limit(size)
        .offset((max(search.page, 1) - 1) * size)
    )


def count_statement(search: Search, scope: Scope) -> sa.Select[Any]:
    """How many cases match, counted up to COUNT_CAP + 1."""
    inner = sa.select(c.case_no).where(*conditions(search, scope)).limit(COUNT_CAP + 1)
    return sa.select(sa.func.count()).select_from(inner.subquery())


async def run(session: Any, search: Search, scope: Scope) -> tuple[list[dict[str, Any]], int]:
    """(rows of the page, matches counted up to COUNT_CAP + 1)."""
    rows = [dict(r._mapping) for r in await session.execute(statement(search, scope))]
    total = int((await session.execute(count_statement(search, scope))).scalar_one())
    return rows, total
