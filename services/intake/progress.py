"""Each case's public progress, kept by intake from case events so Open311 asks nobody.

One row per work order: the state sla reported, the unit handling it and the resolve
deadline. Each group of columns moves only to a newer event's value.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.progress import Step
from services.intake.store import metadata

case_progress = sa.Table(
    "case_progress",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("state", sa.String(32), nullable=True),
    sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("unit_id", sa.String(64), nullable=True),
    sa.Column("unit_name", sa.String(200), nullable=True),
    sa.Column("topic", sa.String(200), nullable=True),
    sa.Column("unit_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("topic_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("expected_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("expected_set_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Added by intake_0005: the latest resolution's note, for the citizen's look-up.
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("answer_at", sa.DateTime(timezone=True), nullable=True),
)
# Column groups, each with the instant of the event that last set it.
_GROUPS = {
    "state_at": ("state",),
    "unit_at": ("unit_id", "unit_name"),
    "topic_at": ("topic",),
    "expected_set_at": ("expected_at",),
    "answer_at": ("answer",),
}


def _values(step: Step, at: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if step.state:
        values.update(state=step.state, state_at=at)
    if step.unit_id or step.unit_name:
        values.update(unit_id=step.unit_id, unit_name=step.unit_name, unit_at=at)
    if step.topic:
        values.update(topic=step.topic, topic_at=at)
    if step.expected_at:
        values.update(expected_at=step.expected_at, expected_set_at=at)
    if step.answer:
        values.update(answer=step.answer, answer_at=at)
    return values


@functools.cache
def _upsert(stamps: tuple[str, ...]) -> Any:
    """The upsert of a step setting these column groups, built once per kind of step: only
    its values change from one event to the next."""
    c = case_progress.c
    names = ["case_no", "updated_at", *(n for s in stamps for n in (s, *_GROUPS[s]))]
    stmt = insert(case_progress).values({n: sa.bindparam(n) for n in names})
    ex = stmt.excluded
    update: dict[str, Any] = {"updated_at": sa.func.greatest(c.updated_at, ex.updated_at)}
    for stamp in stamps:
        newer = sa.or_(c[stamp].is_(None), c[stamp] <= ex[stamp])
        for column in (stamp, *_GROUPS[stamp]):
            update[column] = sa.case((newer, ex[column]), else_=c[column])
    return stmt.on_conflict_do_update(index_elements=[c.case_no], set_=update)


async def record(session: AsyncSession, *, case_no: str, step: Step, at: datetime) -> None:
    """Fold one step into the case's row (created on its first event)."""
    values = _values(step, at)
    if not values:
        return
    stamps = tuple(stamp for stamp in _GROUPS if stamp in values)
    await session.execute(_upsert(stamps), {"case_no": case_no, "updated_at": at, **values})


async def progress_of(session: AsyncSession, case_nos: list[str]) -> dict[str, dict[str, Any]]:
    """The progress rows of these work orders, by case number (absent: nothing heard yet)."""
    if not case_nos:
        return {}
    rows = await session.execute(
        sa.select(case_progress).where(case_progress.c.case_no.in_(sorted(set(case_nos))))
    )
    return {r.case_no: dict(r._mapping) for r in rows}
