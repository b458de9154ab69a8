"""A stored case as a public Open311 service request (pure: no I/O).

Public fields only: never the caller's number, name or e-mail; numbers (and the caller's
own name) inside the description are masked and coordinates rounded when configured.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.rejection import OTHER, REASONS
from services.intake.domain.access import scrub_caller
from services.intake.open311.catalog import Service
from services.intake.open311.render import iso

OPEN, CLOSED = "open", "closed"


def status_of(case: dict[str, Any], state: str | None) -> str:
    """open or closed: closed once sla reports closed or intake recorded the closure."""
    return CLOSED if case.get("closed_at") or state == "closed" else OPEN


def status_notes(case: dict[str, Any], state: str | None) -> str:
    """A short Chinese note on where the case stands."""
    if case.get("repeat_of"):
        return f"重复来电，已并入工单 {case['repeat_of']} 一并办理"
    if case.get("answer"):
        return "咨询已直接答复办结"
    if case.get("closed_at"):
        return closed_note(case)
    notes = {
        None: "已受理，正在派单",
        "dispatched": "已派单，等待承办单位签收",
        "accepted": "承办单位已签收",
        "in_progress": "正在办理",
        "resolved": "已办结，等待回访",
        "reopened": "回访不满意，重新办理",
        "closed": "已办结销号",
    }
    return notes.get(state, "正在办理")


def closed_note(case: dict[str, Any]) -> str:
    """Why a closed case closed: 不予受理 with its reason, 合并 with its lead, else 销号."""
    reason, detail = case.get("close_reason"), str(case.get("close_detail") or "")
    if reason == "rejected":
        found = REASONS.get(detail)
        if found is None or detail == OTHER:
            return "不予受理：不属于本平台受理范围"
        return f"不予受理：{found.label}" + (f"，{found.advice}" if found.advice else "")
    if reason == "merged" and detail:
        return f"已与同一事项的工单 {detail} 合并办理，随该工单办结"
    return "已办结销号"


def rounded(value: float | None, decimals: int | None) -> float | None:
    """A coordinate rounded to `decimals` places (None: as stored)."""
    if value is None or decimals is None:
        return value
    return round(value, decimals)


def service_request(
    case: dict[str, Any],
    *,
    service: Service | None,
    progress: dict[str, Any] | None,
    decimals: int | None = None,
) -> dict[str, Any]:
    """The request as GET requests returns it; progress is intake's row for the work order."""
    p = progress or {}
    state = p.get("state")
    stamps = [t for t in (case["received_at"], case.get("closed_at"), p.get("updated_at")) if t]
    updated: datetime = max(stamps)
    media = case.get("attachments") or []
    return {
        "service_request_id": case["case_no"],
        "status": status_of(case, state),
        "status_notes": status_notes(case, state),
        "service_name": service.name if service else p.get("topic"),
        "service_code": case.get("service_code"),
        "description": scrub_caller(case.get("content") or "", case.get("caller_name")),
        "agency_responsible": p.get("unit_name"),
        "service_notice": "",
        "requested_datetime": iso(case["received_at"]),
        "updated_datetime": iso(updated),
        "expected_datetime": iso(p.get("expected_at")),
        "address": scrub_caller(case["address"], case.get("caller_name"))
        if case.get("address")
        else None,
        "address_id": case.get("grid_code"),
        "zipcode": None,
        "lat": rounded(case.get("latitude"), decimals),
        "long": rounded(case.get("longitude"), decimals),
        "media_url": media[0] if media else None,
        # Extension: the request type (诉求类型); empty for cases older than types.
        "request_type": case.get("request_type") or "",
    }
