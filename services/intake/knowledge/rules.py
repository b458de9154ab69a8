"""Who may change which knowledge entries, and what a valid entry is. Pure.

Admins manage every entry; a unit's handlers and supervisors manage the entries their own
unit is the source of. Everyone who works cases may read them.
"""

from __future__ import annotations

from datetime import date

from services.common.access import Principal
from services.common.access.roles import ADMIN, HANDLER, SUPERVISOR

EDITORS = (ADMIN, HANDLER, SUPERVISOR)


def may_manage(who: Principal, source_unit_id: str) -> bool:
    """Whether this person may create or change an entry of this source unit."""
    if not who.is_person:
        return False
    if who.role == ADMIN:
        return True
    return who.role in (HANDLER, SUPERVISOR) and bool(who.unit_id) and who.unit_id == source_unit_id


def refusal(who: Principal, source_unit_id: str) -> str:
    """Why a change is refused, in Chinese."""
    return f"只能维护本单位（{who.unit_id or '无'}）的知识条目，不能维护 {source_unit_id} 的条目"


def dates_problem(valid_from: date, valid_until: date | None) -> str | None:
    """A Chinese message when the validity dates make no sense, else None."""
    if valid_until is not None and valid_until < valid_from:
        return "失效日期不能早于生效日期"
    return None
