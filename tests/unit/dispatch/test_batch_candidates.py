"""A case of a batch weighs the stored recent cases and the batch's cases before it, as if
those had been stored one by one before it came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.dispatch.domain.hotspot import Recent, batch_candidates

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
VILLAGE = "G-D01-T01-V03"


def recent(case_no: str, minutes_ago: int, **overrides: object) -> Recent:
    values: dict[str, object] = {
        "case_no": case_no,
        "topic": "城乡建设",
        "grid_code": f"{VILLAGE}-01",
        "text": "望湖苑物业费上涨",
        "received_at": T0 - timedelta(minutes=minutes_ago),
    }
    values.update(overrides)
    return Recent(**values)  # type: ignore[arg-type]


def candidates(stored: list[Recent], earlier: list[Recent], limit: int = 10) -> list[str]:
    found = batch_candidates(
        stored,
        earlier,
        topic="城乡建设",
        grid_prefix=VILLAGE,
        since=T0 - timedelta(hours=72),
        limit=limit,
    )
    return [r.case_no for r in found]


def test_earlier_cases_of_the_batch_count_with_the_stored_ones_newest_first() -> None:
    stored = [recent("S2", 30), recent("S1", 90)]
    earlier = [recent("B1", 60), recent("B2", 5)]
    assert candidates(stored, earlier) == ["B2", "S2", "B1", "S1"]


def test_the_batch_s_cases_are_narrowed_as_the_stored_read_is() -> None:
    earlier = [
        recent("other-topic", 1, topic="环境保护"),
        recent("other-village", 2, grid_code="G-D01-T01-V04-01"),
        recent("no-grid", 3, grid_code=None),
        recent("too-old", 73 * 60),
        recent("kept", 4),
    ]
    assert candidates([], earlier) == ["kept"]


def test_at_most_the_limit_and_each_case_once() -> None:
    stored = [recent("S1", 10), recent("S2", 20)]
    earlier = [recent("S1", 10), recent("B1", 1)]
    assert candidates(stored, earlier, limit=2) == ["B1", "S1"]
    assert candidates(stored, earlier) == ["B1", "S1", "S2"]
