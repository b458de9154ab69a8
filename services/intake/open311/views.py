"""A stored case as an Open311 service request (pure: no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.intake.open311.catalog import Service
from services.intake.open311.render import iso

OPEN, CLOSED = "open", "closed"


def status_of(case: dict[str, Any], sla_state: str | None) -> str:
    """open or closed: closed once sla reports closed or intake recorded the closure."""
    return CLOSED if case.get("closed_at") or sla_state == "closed" else OPEN


def status_notes(case: dict[str, Any], sla_state: str | None) -> str:
    """A short Chinese note on where the case stands."""
    if case.get("repeat_of"):
        return f"重复来电，已并入工单 {case['repeat_of']} 一并办理"
    notes = {
        None: "已受理，正在派单",
        "dispatched": "已派单，等待承办单位签收",
        "accepted": "承办单位已签收",
        "in_progress": "正在办理",
        "resolved": "已办结，等待回访",
        "reopened": "回访不满意，重新办理",
        "closed": "已办结销号",
    }
    return notes.get(sla_state, "正在办理")


def service_request(
    case: dict[str, Any],
    *,
    service: Service | None,
    dispatch: dict[str, Any] | None,
    sla: dict[str, Any] | None,
) -> dict[str, Any]:
    """The request as GET requests returns it; peers' parts may be None."""
    state = sla.get("state") if sla else None
    agency = (sla or {}).get("unit_name") or (dispatch or {}).get("unit_name")
    expected = _parse((sla or {}).get("resolve_due"))
    updated = case.get("closed_at") or case["received_at"]
    media = case.get("attachments") or []
    return {
        "service_request_id": case["case_no"],
        "status": status_of(case, state),
        "status_notes": status_notes(case, state),
        "service_name": service.name if service else (dispatch or {}).get("topic"),
        "service_code": case.get("service_code"),
        "description": case["content"],
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(case["received_at"]),
        "updated_datetime": iso(updated),
        "expected_datetime": iso(expected),
        "address": case.get("address"),
        "address_id": case.get("grid_code"),
        "zipcode": None,
        "lat": case.get("latitude"),
        "long": case.get("longitude"),
        "media_url": media[0] if media else None,
    }


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
