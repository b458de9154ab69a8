"""Following one case: every service's log lines about it carry the case's one trace id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from services.common.tracing import case_trace_id
from tests.support import (
    HANDLER,
    RUN_DIR,
    StackAddresses,
    acting,
    eventually,
    new_case,
)

LOG_DIR = Path(RUN_DIR).parent / "log"


def case_lines(case_no: str) -> dict[str, list[dict[str, Any]]]:
    """JSON log lines that name the case, per service."""
    out: dict[str, list[dict[str, Any]]] = {}
    for svc in ("intake", "dispatch", "sla", "notify"):
        path = LOG_DIR / f"{svc}.log"
        for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
            if case_no not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("case_no") == case_no:
                out.setdefault(svc, []).append(entry)
    return out


async def test_one_case_is_one_trace_across_the_four_services(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    resp = await http.post(f"{stack.intake}/v1/cases", json=new_case(caller_phone="13900009999"))
    assert resp.status_code in (200, 201), resp.text
    case_no = resp.json()["case_no"]
    resp = await eventually(lambda: _accept(http, stack, case_no), timeout=30, interval=0.5)
    expected = f"{case_trace_id(case_no):032x}"

    async def every_service_logged() -> dict[str, list[dict[str, Any]]] | None:
        lines = case_lines(case_no)
        return lines if set(lines) == {"intake", "dispatch", "sla", "notify"} else None

    lines = await eventually(every_service_logged, timeout=20, interval=0.5)
    for svc, entries in lines.items():
        traced = [e for e in entries if "trace_id" in e]
        assert traced, f"{svc} logged the case without a trace id: {entries[:2]}"
        assert {e["trace_id"] for e in traced} == {expected}, svc


async def _accept(http: httpx.AsyncClient, stack: StackAddresses, case_no: str) -> Any:
    resp = await http.post(
        f"{stack.sla}/v1/cases/{case_no}/accept", headers=acting(HANDLER), json={"actor": HANDLER}
    )
    return resp if resp.status_code == 200 else None
