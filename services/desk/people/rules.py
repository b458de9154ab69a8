"""Who handles a case within its unit, who stands in for whom, and who leads a major case.

Pure: no database, no framework. A case belongs to a unit (services.common.access.casework
decides who sees and acts on it); within the unit its head names one person (承办人). Each
person may name a backup (AB岗) of the same unit, who holds their cases under 我的 while they
are away. A 重大疑难 case has a leader (包案领导), named by a district supervisor, who owes a
plan (处置方案) by a deadline of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field

from services.common.access.casework import OPEN_STATES, Person, refusal, scope_of
from services.common.access.roles import ADMIN, HANDLER, SUPERVISOR
from services.common.jurisdiction import Directory

POLICY_FILE = Path(__file__).resolve().parent.parent / "policy" / "people.yaml"
# Who may lead a major case: people who work cases, never operators or auditors.
LEADER_ROLES = (SUPERVISOR, HANDLER, ADMIN)
AWAITING, SUBMITTED = "awaiting", "submitted"
PLAN_STATES = {"": "—", AWAITING: "待提交", SUBMITTED: "已提交"}


class PeoplePolicy(BaseModel):
    """services/desk/policy/people.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    plan_within_working_days: int = Field(ge=1, le=30)


def load_policy(path: Path | None = None) -> PeoplePolicy:
    """The policy file, validated (failing loudly at start)."""
    data = yaml.safe_load((path or POLICY_FILE).read_text(encoding="utf-8"))
    return PeoplePolicy.model_validate(data)


@dataclass(frozen=True)
class Member:
    """A person as these rules see them: unit, role, head flag, backup, away."""

    username: str
    name: str
    unit_id: str
    role: str
    head: bool = False
    backup: str = ""
    away: bool = False
    active: bool = True


class Actor(Person, Protocol):
    @property
    def username(self) -> str: ...


def is_open(row: Mapping[str, Any]) -> bool:
    """Whether a case is with a unit and not yet closed."""
    return str(row.get("state") or "") in OPEN_STATES


def heads(actor: Actor, unit_id: str, team: Iterable[Member]) -> bool:
    """Whether the actor is the head of this unit (admins count as every unit's head)."""
    if actor.role == ADMIN:
        return True
    return any(
        m.username == actor.username and m.head and m.active and m.unit_id == unit_id for m in team
    )


def may_assign(actor: Actor, row: Mapping[str, Any], team: Iterable[Member]) -> bool:
    """Whether the actor may name the handler of this case now."""
    return is_open(row) and heads(actor, str(row.get("unit_id") or ""), team)


def assignable(row: Mapping[str, Any], team: Iterable[Member]) -> list[Member]:
    """The people of the case's unit who may be its handler (active handlers)."""
    unit = str(row.get("unit_id") or "")
    return [m for m in team if m.active and m.role == HANDLER and m.unit_id == unit]


def assign_refusal(
    actor: Actor, row: Mapping[str, Any], assignee: Member | None, team: list[Member]
) -> str | None:
    """Why the actor may not make this person the case's handler (Chinese), or None."""
    if not is_open(row):
        return "该工单当前不在承办单位办理中，不能指定承办人。"
    if not heads(actor, str(row.get("unit_id") or ""), team):
        return "只有承办单位的负责人可以指定或改派承办人。"
    if assignee is None or assignee not in assignable(row, team):
        return "承办人须是承办单位在岗的办理人员。"
    if assignee.username == row.get("assignee"):
        return f"该工单已由{assignee.name}承办。"
    return None


def manages(actor: Actor, member: Member, team: Iterable[Member]) -> bool:
    """Whether the actor may set this person's backup and away: themselves, their unit's
    head, or an admin."""
    return actor.username == member.username or heads(actor, member.unit_id, team)


def backup_refusal(
    actor: Actor, member: Member, backup: Member | None, team: list[Member]
) -> str | None:
    """Why the actor may not name this backup (None: clear it) for the person, or None."""
    if not manages(actor, member, team):
        return "只能设置本人的AB岗；单位负责人可设置本单位人员的AB岗。"
    if backup is None:
        return "请先标记返岗，再取消AB岗。" if member.away else None
    if backup.username == member.username:
        return "不能把自己设为自己的AB岗。"
    if not backup.active or backup.role != member.role or backup.unit_id != member.unit_id:
        return "AB岗须是同一单位在岗的办理人员。"
    return None


def away_refusal(actor: Actor, member: Member, away: bool, team: list[Member]) -> str | None:
    """Why the actor may not mark the person away (or back), or None."""
    if not manages(actor, member, team):
        return "只能标记本人外出；单位负责人可标记本单位人员外出。"
    if away and not member.backup:
        return "请先指定AB岗，外出期间由AB岗办理您的工单。"
    if away == member.away:
        return "已标记外出。" if away else "已在岗。"
    return None


def owners(username: str, team: Iterable[Member]) -> list[str]:
    """Whose cases are this person's 我的: their own, and those of the away people whose
    backup they are."""
    return [username] + [
        m.username for m in team if m.away and m.backup == username and m.username != username
    ]


def stand_in(assignee: str, team: Iterable[Member]) -> Member | None:
    """The backup holding an away handler's cases, or None while the handler is in."""
    by_name = {m.username: m for m in team}
    who = by_name.get(assignee)
    if who is None or not who.away or not who.backup:
        return None
    return by_name.get(who.backup)


def district_overseer(actor: Person, directory: Directory) -> bool:
    """A district supervisor (督办) or an admin: they name the leaders of major cases."""
    if actor.role == ADMIN:
        return True
    return actor.role == SUPERVISOR and scope_of(actor, directory).kind in ("district", "all")


def may_name_leader(actor: Person, row: Mapping[str, Any], directory: Directory) -> bool:
    """Whether the actor may name (or change) the leader of this case now."""
    return (
        bool(row.get("major"))
        and str(row.get("state") or "") != "closed"
        and district_overseer(actor, directory)
        and refusal(actor, row, directory) is None
    )


def leaders(row: Mapping[str, Any], people: Iterable[Member], directory: Directory) -> list[Member]:
    """Who may lead the case: active people who work cases and may see this one."""
    return [
        m
        for m in people
        if m.active and m.role in LEADER_ROLES and refusal(m, row, directory) is None
    ]


def leader_refusal(
    actor: Person,
    row: Mapping[str, Any],
    leader: Member | None,
    people: list[Member],
    directory: Directory,
) -> str | None:
    """Why the actor may not make this person the case's leader, or None."""
    if not row.get("major"):
        return "该工单不是重大疑难工单，无需指定包案领导。"
    if str(row.get("state") or "") == "closed":
        return "该工单已销号，不能再指定包案领导。"
    if not may_name_leader(actor, row, directory):
        return "只有区级督办人员或管理员可以指定包案领导。"
    if leader is None or leader not in leaders(row, people, directory):
        return "包案领导须是能查看该工单的在岗督办或办理人员。"
    if leader.username == row.get("leader"):
        return f"{leader.name}已是该工单的包案领导。"
    return None


def plan_refusal(actor: Actor, row: Mapping[str, Any], plan: str) -> str | None:
    """Why the actor may not submit this plan for the case, or None."""
    if not row.get("major") or not row.get("leader"):
        return "该工单尚未指定包案领导。"
    if actor.username != row.get("leader"):
        return "只有包案领导本人可以提交处置方案。"
    if str(row.get("state") or "") == "closed":
        return "该工单已销号，不能再提交处置方案。"
    if not plan.strip():
        return "请填写处置方案。"
    return None


class WorkingSpans(Protocol):
    """sla's calendar as the desk keeps it (services/desk/worktime/model.py)."""

    @property
    def spans(self) -> Sequence[tuple[datetime, datetime]]: ...

    @property
    def office_day(self) -> timedelta: ...


def plan_due(start: datetime, days: int, work: WorkingSpans | None) -> datetime:
    """When the plan is due: `days` working days of office time from `start` on sla's
    calendar, or `days` calendar days when the calendar cannot be had (or does not reach)."""
    if work is None:
        return start + timedelta(days=days)
    left = work.office_day * days
    for begin, end in work.spans:
        if end <= start:
            continue
        begin = max(begin, start)
        if end - begin >= left:
            return begin + left
        left -= end - begin
    return start + timedelta(days=days)


def plan_status(row: Mapping[str, Any], now: datetime) -> str:
    """The plan's state in Chinese: 待提交, 已超期 (awaiting and past due), 已提交."""
    state = str(row.get("plan_state") or "")
    due = row.get("plan_due")
    if state == AWAITING and due is not None and due < now:
        return "已超期"
    return PLAN_STATES.get(state, state)
