"""sla lends its working-time calendar; the queue shows remaining time counted on it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx

from tests.support import StackAddresses, desk_login_async, eventually, new_case


async def test_sla_answers_working_spans_and_how_each_deadline_counts(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    now = datetime.now(UTC)
    params = {"start": now.isoformat(), "end": (now + timedelta(days=7)).isoformat()}
    body = (await http.get(f"{stack.sla}/v1/calendar/working-time", params=params)).json()
    # The test stack runs the default policy: office hours on statutory working days.
    assert body["mode"] == "statutory" and body["office_day_seconds"] == 27000
    assert 1 <= len(body["spans"]) <= 14  # a week holds at most 7 days of two spans
    assert body["bases"]["simple"] == {"accept": "working", "resolve": "working"}
    assert body["bases"]["urgent"] == {"accept": "clock", "resolve": "clock"}
    bad = await http.get(
        f"{stack.sla}/v1/calendar/working-time",
        params={"start": params["end"], "end": params["start"]},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "bad_range"
    naive = await http.get(
        f"{stack.sla}/v1/calendar/working-time",
        params={"start": "2026-11-23T09:00:00", "end": "2026-11-24T09:00:00"},
    )
    assert naive.status_code == 422 and "时区" in naive.json()["message"]


async def test_queue_rows_count_working_time_and_urgent_ones_clock_time(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    ordinary = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    urgent_case = new_case(urgent=True, urgent_reason="燃气味很重，担心泄漏")
    urgent = (await http.post(f"{stack.intake}/v1/cases", json=urgent_case)).json()["case_no"]
    async with httpx.AsyncClient(base_url=stack.desk, timeout=10) as browser:
        await desk_login_async(browser, "admin")
        spans = (await browser.get("/ui/worktime")).json()
        assert spans["office_day"] == 27000 and spans["until"] > spans["from"]

        def cell_of(case_no: str) -> Callable[[], Awaitable[str | None]]:
            async def cell() -> str | None:
                page = await browser.get("/queue", params={"part": "main", "q": case_no})
                html = page.text
                pattern = rf'data-case="{case_no}".*?(<span class="remain[^>]*>[^<]*</span>)'
                m = re.search(pattern, html)
                return m.group(1) if m and "data-left" in m.group(1) else None

            return cell

        plain = await eventually(cell_of(ordinary), timeout=15)
        fast = await eventually(cell_of(urgent), timeout=15)
    assert 'data-basis="working"' in plain and "按工作时间计" in plain
    assert 'data-basis="clock"' in fast and "按自然时间计" in fast
    # Two or four working hours to accept an ordinary case, 30 clock minutes for an urgent one.
    assert 0 < left_of(plain) <= 4 * 3600
    assert 25 * 60 <= left_of(fast) <= 30 * 60


def left_of(cell: str) -> int:
    found = re.search(r'data-left="(-?\d+)"', cell)
    assert found, cell
    return int(found.group(1))
