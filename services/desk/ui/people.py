"""承办人, AB岗 and 包案领导 at the desk: the case page's card, its forms, and 本单位人员.

Forms post by themselves (no script) and come back to the page they were sent from, saying
what happened. Every change is checked by services/desk/people/rules.py, then recorded as
the case's own entry (services/desk/people/record.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from services.common.access import allow
from services.common.access.roles import ADMIN, HANDLER, SUPERVISOR
from services.desk.board import queries
from services.desk.people import rules, store
from services.desk.people.fold import ASSIGNED, COVERED, LEADER_NAMED, PLAN_SUBMITTED, RETURNED
from services.desk.people.record import lock_case, people_entry, record
from services.desk.people.rules import Member
from services.desk.ui import access
from services.desk.ui.auth import csrf_of, viewer
from services.desk.ui.context import FINISHED, Ui, sessions_db, ui_of
from services.desk.ui.html import case_link, cells, csrf_field, e, table, when
from services.desk.ui.pages import render
from services.desk.ui.users import User

router = APIRouter(include_in_schema=False)
CaseNo = Annotated[str, Path(pattern=r"^\d{14}$")]
# Who names handlers (unit heads are handlers), leaders (district supervisors), and plans.
ASSIGNERS = (HANDLER, ADMIN)
LEADER_NAMERS = (SUPERVISOR, ADMIN)
PLANNERS = rules.LEADER_ROLES
TEAM = (HANDLER, ADMIN)


def _back(path: str, done: str = "", error: str = "", anchor: str = "") -> Response:
    query = urlencode({k: v for k, v in (("done", done), ("error", error)) if v})
    return RedirectResponse(f"{path}{'?' + query if query else ''}{anchor}", status_code=303)


def _note(request: Request, prefix: str) -> str:
    done, error = request.query_params.get("done", ""), request.query_params.get("error", "")
    return (f'<p class="msg ok" role="status" id="{prefix}-done">{e(done)}</p>' if done else "") + (
        f'<p class="error" role="alert" id="{prefix}-error">{e(error)}</p>' if error else ""
    )


def _choice(name: str, people: list[Member], chosen: str, label: str) -> str:
    options = "".join(
        f'<option value="{e(m.username)}"{" selected" if m.username == chosen else ""}>'
        f"{e(m.name)}</option>"
        for m in people
    )
    return (
        f'<select name="{name}" id="pick-{name}" aria-label="{label}" required>'
        f'<option value="">请选择{label}</option>{options}</select>'
    )


def handler_line(row: dict[str, Any], team: list[Member]) -> str:
    """承办人 as the record and the queue show them, with the backup standing in if away."""
    if not row.get("assignee"):
        return '<span id="assignee" class="none">未指定（本单位共同办理）</span>'
    name = e(row.get("assignee_name") or row["assignee"])
    cover = rules.stand_in(str(row["assignee"]), team)
    extra = (
        f'<span class="cover" id="stand-in">（外出，AB岗 {e(cover.name)} 代办）</span>'
        if cover
        else ""
    )
    return f'<span id="assignee">{name}</span>{extra}'


def _plan_text(entries: list[dict[str, Any]]) -> str:
    plan = next((x for x in reversed(entries) if x["kind"] == PLAN_SUBMITTED), None)
    return str(plan["note"]) if plan else ""


async def case_card(
    request: Request, user: User, row: dict[str, Any], entries: list[dict[str, Any]]
) -> str:
    """The case page's 承办人 card, and for 重大疑难 its 包案 card, with the forms the viewer
    may use."""
    ui = ui_of(request)
    async with sessions_db(request)() as session:
        team = await store.team(session, str(row["unit_id"]))
        everyone = (
            await store.everyone(session) if rules.may_name_leader(user, row, ui.directory) else []
        )
    token = csrf_of(request)
    no = e(row["case_no"])
    form = ""
    if rules.may_assign(user, row, team):
        verb = "改派" if row.get("assignee") else "指定"
        form = (
            f'<form method="post" action="/cases/{no}/assign" id="assign-form">'
            f"{csrf_field(token)}"
            f"{_choice('assignee', rules.assignable(row, team), '', '承办人')}"
            f'<button class="primary" id="assign">{verb}承办人</button></form>'
        )
    card = (
        '<section class="card people" id="people"><h2>承办人</h2>'
        f"{_note(request, 'people')}"
        f"<dl><dt>承办人</dt><dd>{handler_line(row, team)}</dd></dl>{form}</section>"
    )
    if not row.get("major"):
        return card
    now = datetime.now(UTC)
    leader_form = ""
    if everyone:
        candidates = rules.leaders(row, everyone, ui.directory)
        leader_form = (
            f'<form method="post" action="/cases/{no}/leader" id="leader-form">'
            f"{csrf_field(token)}{_choice('leader', candidates, '', '包案领导')}"
            f'<button class="primary" id="name-leader">'
            f"{'更换' if row.get('leader') else '指定'}包案领导</button></form>"
        )
    plan_form = ""
    if row.get("leader") == user.username and row["state"] != "closed":
        plan_form = (
            f'<form method="post" action="/cases/{no}/plan" id="plan-form">{csrf_field(token)}'
            '<textarea name="plan" required maxlength="4000" id="plan-input"'
            ' placeholder="处置方案：牵头单位、配合单位、步骤与时间安排"></textarea>'
            '<button class="primary" id="submit-plan">提交处置方案</button></form>'
        )
    plan = _plan_text(entries)
    status = rules.plan_status(row, now)
    return card + (
        '<section class="card major" id="major"><h2>重大疑难 · 包案</h2><dl>'
        f'<dt>包案领导</dt><dd id="leader">{e(row.get("leader_name") or "未指定")}</dd>'
        f'<dt>方案时限</dt><dd id="plan-due">{when(row.get("plan_due"))}</dd>'
        f'<dt>方案状态</dt><dd id="plan-state" class="plan-{e(row.get("plan_state") or "none")}">'
        f"{e(status)}</dd></dl>"
        + (f'<p class="content" id="plan-text">{e(plan)}</p>' if plan else "")
        + leader_form
        + plan_form
        + "</section>"
    )


async def _case(request: Request, case_no: str) -> tuple[User, Ui, dict[str, Any]]:
    user = viewer(request)
    ui = ui_of(request)
    async with sessions_db(request)() as session:
        row = await queries.one(session, case_no)
    if row is None:
        raise HTTPException(404, {"code": "not_found", "message": f"未找到工单 {case_no}"})
    denied = access.refusal(user, row, ui.directory)
    if denied:
        raise HTTPException(
            403, {"code": "forbidden", "message": denied.replace("查看", "办理", 1)}
        )
    return user, ui, row


def _board(request: Request) -> Any:
    return request.app.state.board


async def _write(request: Request, case_no: str, entries: list[Any]) -> None:
    async with sessions_db(request)() as session, session.begin():
        await lock_case(session, case_no)
        for entry in entries:
            await record(
                session, entry, request.app.state.people, _board(request), request.app.state.sealer
            )


@router.post("/cases/{case_no}/assign", dependencies=[Depends(allow(*ASSIGNERS))])
async def assign(
    request: Request, case_no: CaseNo, assignee: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """The unit head names (or changes) the case's handler; the record keeps every change."""
    user, _, row = await _case(request, case_no)
    page = f"/cases/{case_no}"
    async with sessions_db(request)() as session:
        team = await store.team(session, str(row["unit_id"]))
    chosen = next((m for m in team if m.username == assignee), None)
    problem = rules.assign_refusal(user, row, chosen, team)
    if problem or chosen is None:
        return _back(page, error=problem or "", anchor="#people")
    before = str(row.get("assignee_name") or "")
    note = f"承办人：{chosen.name}" + (f"（原承办人：{before}）" if before else "")
    entry = people_entry(
        case_no=case_no,
        kind=ASSIGNED,
        at=datetime.now(UTC),
        actor=user.username,
        unit_id=str(row["unit_id"]),
        note=note,
        data={
            "assignee": chosen.username,
            "assignee_name": chosen.name,
            "previous": str(row.get("assignee") or ""),
        },
    )
    await _write(request, case_no, [entry])
    return _back(page, done=f"已指定{chosen.name}为承办人。", anchor="#people")


@router.post("/cases/{case_no}/leader", dependencies=[Depends(allow(*LEADER_NAMERS))])
async def name_leader(
    request: Request, case_no: CaseNo, leader: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """A district supervisor names the leader (包案领导) of a major case; the plan is due
    by the policy's working days from now."""
    user, ui, row = await _case(request, case_no)
    page = f"/cases/{case_no}"
    async with sessions_db(request)() as session:
        everyone = await store.everyone(session)
    chosen = next((m for m in everyone if m.username == leader), None)
    problem = rules.leader_refusal(user, row, chosen, everyone, ui.directory)
    if problem or chosen is None:
        return _back(page, error=problem or "", anchor="#major")
    now = datetime.now(UTC)
    days = request.app.state.people_policy.plan_within_working_days
    due = rules.plan_due(now, days, await ui.worktime.get(now))
    entry = people_entry(
        case_no=case_no,
        kind=LEADER_NAMED,
        at=now,
        actor=user.username,
        unit_id=str(row["unit_id"]),
        note=f"包案领导：{chosen.name}，{days} 个工作日内提交处置方案",
        data={"leader": chosen.username, "leader_name": chosen.name, "plan_due": due.isoformat()},
    )
    await _write(request, case_no, [entry])
    return _back(page, done=f"已指定{chosen.name}为包案领导。", anchor="#major")


@router.post("/cases/{case_no}/plan", dependencies=[Depends(allow(*PLANNERS))])
async def submit_plan(
    request: Request, case_no: CaseNo, plan: Annotated[str, Form(max_length=4000)] = ""
) -> Response:
    """The leader submits the plan (处置方案); it is the record's entry, signed by them."""
    user, _, row = await _case(request, case_no)
    page = f"/cases/{case_no}"
    problem = rules.plan_refusal(user, row, plan)
    if problem:
        return _back(page, error=problem, anchor="#major")
    entry = people_entry(
        case_no=case_no,
        kind=PLAN_SUBMITTED,
        at=datetime.now(UTC),
        actor=user.username,
        unit_id=str(row["unit_id"]),
        note=plan.strip(),
        data={},
    )
    await _write(request, case_no, [entry])
    return _back(page, done="处置方案已提交。", anchor="#major")


def _team_unit(request: Request, user: User) -> str:
    # Admins look at any unit's people; everyone else at their own.
    asked = request.query_params.get("unit", "")
    return asked if user.role == ADMIN and asked else user.unit_id


@router.get("/team", dependencies=[Depends(allow(*TEAM, page=True))])
async def team_page(request: Request) -> Response:
    """本单位人员: who is in, who is away, whose backup is whom; forms for oneself, and for
    the unit head for everyone of the unit."""
    user = viewer(request)
    ui = ui_of(request)
    unit = _team_unit(request, user)
    async with sessions_db(request)() as session:
        team = await store.team(session, unit)
        mine = await open_assigned(session, [m.username for m in team])
    token = csrf_of(request)
    handlers = [m for m in team if m.role == HANDLER and m.active]
    lines = []
    for m in handlers:
        slug = e(m.username)
        forms = ""
        if rules.manages(user, m, team):
            others = [x for x in handlers if x.username != m.username]
            forms = (
                f'<form method="post" action="/team/{slug}/backup" id="backup-{slug}">'
                f"{csrf_field(token)}"
                f'<select name="backup" aria-label="AB岗"><option value="">不设AB岗</option>'
                + "".join(
                    f'<option value="{e(x.username)}"'
                    f"{' selected' if x.username == m.backup else ''}>{e(x.name)}</option>"
                    for x in others
                )
                + f'</select><button id="set-backup-{slug}">设AB岗</button></form>'
                f'<form method="post" action="/team/{slug}/away">{csrf_field(token)}'
                f'<input type="hidden" name="away" value="{"false" if m.away else "true"}">'
                f'<button id="away-{slug}">{"标记返岗" if m.away else "标记外出"}</button></form>'
            )
        backup = next((x.name for x in team if x.username == m.backup), "")
        lines.append(
            cells(
                [
                    (
                        "姓名",
                        e(m.name) + (' <span class="tag head">负责人</span>' if m.head else ""),
                    ),
                    ("状态", "外出" if m.away else "在岗"),
                    ("AB岗", e(backup) or "—"),
                    ("承办在办", str(mine.get(m.username, 0))),
                    ("操作", forms),
                ],
                f'data-user="{slug}"',
            )
        )
    body = (
        f'<header class="bar"><h1>本单位人员 · {e(ui.unit_name(unit))}</h1>'
        f"{_note(request, 'team')}</header>"
        '<section class="card wide"><p class="note">单位负责人在工单页指定承办人；'
        "人员外出时，其承办的工单转入AB岗的“我的”，由AB岗代办。</p>"
        + table(["姓名", "状态", "AB岗", "承办在办", "操作"], lines, empty="本单位暂无办理人员")
        + "</section>"
    )
    return render(request, "本单位人员", body, user, "")


async def open_assigned(session: Any, usernames: list[str]) -> dict[str, int]:
    """How many open cases each of these people is the named handler of."""
    return await queries.assigned_counts(session, usernames)


async def _person(request: Request, username: str) -> tuple[User, Member, list[Member]]:
    user = viewer(request)
    async with sessions_db(request)() as session:
        member = await store.member(session, username)
        team = await store.team(session, member.unit_id) if member else []
    if member is None:
        raise HTTPException(404, {"code": "not_found", "message": f"未找到人员 {username}"})
    return user, member, team


def _team_page(member: Member, user: User) -> str:
    return f"/team?{urlencode({'unit': member.unit_id})}" if user.role == ADMIN else "/team"


@router.post("/team/{username}/backup", dependencies=[Depends(allow(*TEAM))])
async def set_backup(
    request: Request, username: str, backup: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """Name (or clear) a person's backup (AB岗) in their unit."""
    user, member, team = await _person(request, username)
    chosen = next((m for m in team if m.username == backup), None) if backup else None
    problem = (
        "AB岗须是同一单位在岗的办理人员。"
        if backup and chosen is None
        else rules.backup_refusal(user, member, chosen, team)
    )
    back = _team_page(member, user)
    if problem:
        return _back(back, error=problem)
    async with sessions_db(request)() as session, session.begin():
        await store.set_flags(session, username, backup=chosen.username if chosen else "")
    said = f"{member.name}的AB岗为{chosen.name}。" if chosen else f"已取消{member.name}的AB岗。"
    return _back(back, done=said)


@router.post("/team/{username}/away", dependencies=[Depends(allow(*TEAM))])
async def set_away(
    request: Request, username: str, away: Annotated[str, Form(max_length=8)] = ""
) -> Response:
    """Mark a person away (their open cases go to their backup's 我的) or back; each case
    they are the handler of records the change."""
    user, member, team = await _person(request, username)
    out = away == "true"
    problem = rules.away_refusal(user, member, out, team)
    back = _team_page(member, user)
    if problem:
        return _back(back, error=problem)
    cover = next((m for m in team if m.username == member.backup), None)
    now = datetime.now(UTC)
    async with sessions_db(request)() as session, session.begin():
        await store.set_flags(session, username, away=out)
        held = await queries.assigned_cases(session, username)
    for case_no, unit_id in held:
        note = (
            f"承办人{member.name}外出，由AB岗{cover.name if cover else ''}代办"
            if out
            else f"承办人{member.name}返岗"
        )
        entry = people_entry(
            case_no=case_no,
            kind=COVERED if out else RETURNED,
            at=now,
            actor=user.username,
            unit_id=unit_id,
            note=note,
            data={"assignee": username, "backup": member.backup},
        )
        await _write(request, case_no, [entry])
    said = (
        f"已标记{member.name}外出，其承办的 {len(held)} 件工单由AB岗代办。"
        if out
        else f"已标记{member.name}返岗。"
    )
    return _back(back, done=said)


def major_rows(rows: list[dict[str, Any]], now: datetime) -> list[str]:
    """The map's 重大疑难 lines: the leader, the plan's deadline and state."""
    return [
        cells(
            [
                ("工单", case_link(r["case_no"])),
                ("诉求", e(str(r["title"] or r["content"])[:30])),
                ("承办", e(r["unit_name"])),
                ("包案领导", e(r["leader_name"]) or '<span class="none">未指定</span>'),
                ("方案时限", when(r["plan_due"])),
                ("方案", e(rules.plan_status(r, now)) if r["leader"] else "—"),
                ("状态", "已办结" if r["state"] in FINISHED else "在办"),
            ],
            f'data-case="{e(r["case_no"])}"'
            + (' class="row-red"' if rules.plan_status(r, now) == "已超期" else ""),
        )
        for r in rows
    ]


MAJOR_HEADERS = ["工单", "诉求", "承办", "包案领导", "方案时限", "方案", "状态"]
