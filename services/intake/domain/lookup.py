"""A citizen's look-up of their case (case number + last four digits of the phone). Pure.

The answer shows the state, the handling unit and, once resolved, the answer; never the
caller, the address or the text of the request. A wrong pair and an unknown number get the
same answer, so the look-up cannot tell whether a case number exists.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from services.common.request_types import RequestType, parse
from services.common.request_types import label as type_label
from services.intake.domain.access import scrub_caller

LAST4 = re.compile(r"^\d{4}$")
NOT_FOUND = "未查到该工单：请核对工单编号和来电号码后四位"
# Compared against when the case is unknown, so both answers take the same steps.
DUMMY_PHONE = "00000000000"
STATES = {
    None: "已受理，正在派单",
    "received": "已受理，正在派单",
    "dispatched": "已派单，等待承办单位签收",
    "accepted": "承办单位已签收，正在办理",
    "in_progress": "正在办理",
    "resolved": "已办结，等待回访",
    "reopened": "回访不满意，重新办理",
    "closed": "已办结",
}


def digits_match(phone: str | None, last4: str) -> bool:
    """Whether the number ends in these four digits (constant time, digits only)."""
    digits = re.sub(r"\D", "", phone or "")[-4:]
    return len(digits) == 4 and hmac.compare_digest(digits.encode(), last4.encode())


def public_view(
    case: dict[str, Any], progress: dict[str, Any] | None, *, original: str | None = None
) -> dict[str, Any]:
    """What the citizen sees of the case; progress is intake's row for the work order."""
    p = progress or {}
    kind = parse(case.get("request_type"))
    closed = bool(case.get("closed_at")) or p.get("state") == "closed"
    state = "closed" if closed else p.get("state")
    unit = p.get("unit_name")
    answer: str | None = None
    if case.get("answer"):
        label, unit = "咨询已在来电时直接答复，已办结", "12345热线"
        answer = case["answer"]
    elif case.get("repeat_of"):
        label = f"重复来电，已并入工单 {case['repeat_of']} 一并办理"
    elif kind is RequestType.PRAISE and closed:
        label = "表扬已转达承办单位"
        answer = f"您的表扬已转达{unit}，感谢您对我们工作的支持。" if unit else None
    else:
        label = STATES.get(state, "正在办理")
        if state in ("resolved", "closed") and p.get("answer"):
            answer = p["answer"]
    return {
        "case_no": case["case_no"],
        "request_type": type_label(case.get("request_type")),
        "state": label,
        "closed": closed,
        "unit_name": unit,
        "answer": scrub_caller(answer, case.get("caller_name")) if answer else None,
        "received_at": case["received_at"],
        "closed_at": case.get("closed_at"),
        "repeat_of": original,
    }
