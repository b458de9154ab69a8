"""A case's page and its printable record, both read from the desk's record alone."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.common.access import CSRF_FIELD, allow, principal_of
from services.common.access.casework import attach_refusal
from services.common.request_types import label as type_label
from services.desk.board import queries
from services.desk.files import service as attachments
from services.desk.labels import (
    CHANNELS,
    CLOSE_REASONS,
    DECISIONS,
    DIFFICULTY,
    STATES,
    TIERS,
    person,
)
from services.desk.record.callers import Shown, shown
from services.desk.record.entries import DISPATCHED
from services.desk.record.story import Line, story
from services.desk.record.writer import caller_of, case_entries
from services.desk.ui import access, people
from services.desk.ui.auth import STAFF, viewer
from services.desk.ui.context import FINISHED, Ui, sealer_of, sessions_db, ui_of
from services.desk.ui.filecard import files_card, photo_field
from services.desk.ui.html import LOCAL, REJECT_FIELDS, case_link, due_cell, e, light, when
from services.desk.ui.moveforms import MOVE_FORMS, pending_takeover, transfer_fields
from services.desk.ui.pages import render
from services.desk.ui.parts import part_forms, parts_card
from services.desk.ui.users import User

router = APIRouter(include_in_schema=False, dependencies=[Depends(allow(*STAFF, page=True))])

# A hotspot's first case may gather hundreds of links: the page names the first few.
SHOWN_LINKS = 10
SIGN = '<label class="sign"><input type="checkbox" name="signed" required> {text}</label>'
ACTION_FORMS = {
    "accept": ("签收", '<input name="note" placeholder="备注（可选）" maxlength="500">'),
    "progress": ("反馈进展", '<textarea name="note" required placeholder="办理进展"></textarea>'),
    "extension": (
        "申请延期",
        '<input name="amount" type="number" min="1" max="30"'
        ' value="2" required aria-label="延期天数"> 个工作日'
        '<textarea name="reason" required placeholder="延期理由"></textarea>',
    ),
    "bounce": (
        "退单",
        '<textarea name="note" required placeholder="退单理由（如：不属于本单位职责）"></textarea>',
    ),
    "resolve": (
        "办结",
        '<textarea name="note" required placeholder="办理结果"></textarea>'
        + SIGN.format(text="本人已核实办理结果，作为核实人签字"),
    ),
    "extension/decision": (
        "审批延期",
        '<select name="approve"><option value="true">同意</option>'
        '<option value="false">不同意</option></select>'
        '<input name="note" placeholder="审批意见" maxlength="500">',
    ),
    "close": (
        "督办销号",
        '<textarea name="note" required placeholder="销号理由"></textarea>'
        + SIGN.format(text="本人确认销号并签字"),
    ),
    "callback": (
        "记录回访",
        '<select name="satisfied"><option value="true">满意</option>'
        '<option value="false">不满意</option></select>'
        '<label><input type="checkbox" name="reached" checked> 已接通</label>'
        '<input name="note" placeholder="回访记录">',
    ),
    # 不予受理 and 合并 (dispatchers and supervisors of the 12345 centre).
    "reject": ("不予受理", REJECT_FIELDS),
    "merge": (
        "合并",
        '<input name="lead" required pattern="[0-9]{14}" inputmode="numeric"'
        ' placeholder="主办工单编号" aria-label="主办工单编号">'
        '<input name="note" placeholder="合并说明（可选）" maxlength="500">',
    ),
}


ACTION_FORMS.update(MOVE_FORMS)


def action_form(case_no: str, action: str, extra: str = "", fields: str = "") -> str:
    """One action as a small form the script sends as JSON: `fields` in place of the form's
    own when its choices depend on the viewer, `extra` added to them (a photo in it goes
    first, as an upload)."""
    label, fixed = ACTION_FORMS[action]
    fields = (fields or fixed) + extra
    slug = action.replace("/", "-")
    return (
        f'<form class="act" data-case="{e(case_no)}" data-action="{e(action)}" id="act-{slug}">'
        f"<fieldset><legend>{label}</legend>{fields}"
        f'<button class="primary">{label}</button></fieldset></form>'
    )


def actions_card(
    case_no: str,
    actions: tuple[str, ...],
    row: dict[str, Any],
    extras: dict[str, str] | None = None,
    more: str = "",
    own: dict[str, str] | None = None,
) -> str:
    """The viewer's next actions (casework.next_actions), or what the case waits for;
    `extras`: more fields of an action's form (the 办结 photo); `more`: the forms of a joint
    case's parts (ui/parts.py); `own`: an action's fields for this viewer (改派's units)."""
    # The override of a joint case's open parts comes with the parts' forms (`more`).
    acts = [act for act in actions if act in ACTION_FORMS]
    forms = "".join(
        action_form(case_no, act, (extras or {}).get(act, ""), (own or {}).get(act, ""))
        for act in acts
    )
    forms += more
    waiting = "" if forms else f'<p class="awaited" id="awaited">{e(access.awaited(row))}</p>'
    return (
        '<section class="card actions" id="actions"><h2>办理</h2>'
        f'<p class="msg" id="action-msg" role="alert"></p>{waiting}{forms}</section>'
    )


def related(entries: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, str]]]:
    """The repeat calls merged into this case (intake's numbers), and the similar cases
    dispatch linked it with, each once with its reason, in the order recorded."""
    repeats: dict[str, None] = {}
    links: dict[str, str] = {}
    for x in entries:
        other = str((x.get("data") or {}).get("related_case_no") or "")
        if not other:
            continue
        if x["kind"] == "repeat_called":
            repeats[other] = None
        elif x["kind"] == "linked":
            links.setdefault(other, str(x.get("note") or "").removeprefix("相似诉求："))
    return list(repeats), list(links.items())


def related_card(entries: list[dict[str, Any]]) -> str:
    """Tells the handler the matter was reported again and which cases are the same matter."""
    repeats, links = related(entries)
    if not repeats and not links:
        return ""
    parts = []
    if repeats:
        parts.append(
            f'<p id="repeat-calls"><b>重复来电 {len(repeats)} 次</b>：来电人再次反映，'
            f"已并入本工单（{'、'.join(e(r) for r in repeats)}）</p>"
        )
    if links:
        items = "".join(
            f'<li>{case_link(no)} <span class="note">{e(why)}</span></li>'
            for no, why in links[:SHOWN_LINKS]
        )
        if len(links) > SHOWN_LINKS:
            items += f"<li>另有 {len(links) - SHOWN_LINKS} 件</li>"
        parts.append(
            f"<p><b>关联工单 {len(links)} 件</b>：相似诉求，可一并核实办理</p>"
            f'<ul class="linked" id="linked-cases">{items}</ul>'
        )
    return (
        '<section class="card related" id="related"><h2>重复来电与关联工单</h2>'
        f"{''.join(parts)}</section>"
    )


def state_label(row: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    """The case's state; a merged case says whose it follows: 已并入 <lead>."""
    lead, _ = merged_with(entries)
    if row["state"] == "merged" and lead:
        return f"已并入 {e(lead)}"
    return STATES.get(row["state"], e(row["state"]))


def merged_with(entries: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """合并 as the record tells it: the lead this case follows, and the cases following it."""
    lead, followers = "", dict[str, None]()
    for x in entries:
        other = str((x.get("data") or {}).get("related_case_no") or "")
        if x["kind"] == "merged" and other:
            lead = other
        elif x["kind"] == "merge_taken" and other:
            followers[other] = None
    return lead, list(followers)


def merge_card(entries: list[dict[str, Any]]) -> str:
    """A follower names its lead (它随主办工单办理); a lead lists the cases merged into it."""
    lead, followers = merged_with(entries)
    if not lead and not followers:
        return ""
    parts = []
    if lead:
        parts.append(
            f'<p id="merged-into"><b>已并入 {case_link(lead)}</b>：本工单随主办工单办理，'
            "主办工单办结时一并办结，并告知来电人办理结果</p>"
        )
    if followers:
        items = "".join(f"<li>{case_link(no)}</li>" for no in followers)
        parts.append(
            f"<p><b>并入本工单 {len(followers)} 件</b>：同一事项，本工单办结时一并办结</p>"
            f'<ul class="linked" id="merged-cases">{items}</ul>'
        )
    return f'<section class="card related" id="merge"><h2>合并办理</h2>{"".join(parts)}</section>'


def why_parts(explanation: str, reasons: list[str]) -> tuple[str, list[str]]:
    """Dispatch's explanation without the grounds it used to repeat inline (records from
    before dispatch stopped doing so), and each ground once, in order."""
    summary, _, _ = explanation.partition("判定依据：")
    grounds = list(dict.fromkeys(r.strip() for r in reasons if r.strip()))
    return summary.strip(), grounds


def why(explanation: str, reasons: list[str]) -> str:
    """The decision in a sentence, its grounds folded below (one line each)."""
    summary, grounds = why_parts(explanation, reasons)
    items = "".join(f"<li>{e(r)}</li>" for r in grounds)
    folded = (
        f'<details class="grounds" id="grounds"><summary>判定依据（{len(grounds)} 条）</summary>'
        f'<ul class="reasons">{items}</ul></details>'
        if grounds
        else ""
    )
    return f'<p class="why" id="why">{e(summary)}</p>{folded}'


def caller_line(caller: Shown | None, reveal: str = "") -> str:
    """The caller masked (name and number), whether they agreed to a callback, and for the
    roles that call back the form that asks for the number in full (see ui/caller.py)."""
    if caller is None:
        return "—"
    if caller.anonymous:
        return "匿名来电（不回访）"
    if caller.pseudonymised:
        return '<span id="caller-phone">已匿名化</span> <small>（超过保存期限）</small>'
    consent = "同意回访" if caller.callback_consent else "未同意回访"
    name = f'<span id="caller-name">{e(caller.name)}</span> ' if caller.name else ""
    return (
        f'{name}<span id="caller-phone">{e(caller.phone) or "—"}</span>'
        f" <small>（{consent}）</small>{reveal if caller.phone else ''}"
    )


def reveal_form(case_no: str, csrf: str) -> str:
    """显示完整号码: caller.js posts it and shows the answer in place (the read is audited)."""
    return (
        f'<form class="reveal" id="reveal-form" method="post" action="/cases/{e(case_no)}/caller"'
        f' data-case="{e(case_no)}"><input type="hidden" name="{CSRF_FIELD}" value="{e(csrf)}">'
        '<button type="submit" class="link" id="reveal-caller"'
        ' title="查看将被记入访问审计">显示完整号码</button></form>'
    )


def export_caller(caller: Shown | None) -> list[str]:
    """The caller's cells of an exported record: masked for every reader."""
    if caller is None or caller.anonymous:
        return ["来电号码", "", "来电人", "匿名" if caller else ""]
    if caller.pseudonymised:
        return ["来电号码", "已匿名化", "来电人", "已匿名化"]
    return ["来电号码", caller.phone, "来电人", caller.name]


def note_of(line: Line) -> str:
    """A line's note; a dispatch decision's grounds fold (the card above lists them)."""
    if line.kind in DECISIONS:
        return f'<details class="note"><summary>派单依据</summary>{e(line.note)}</details>'
    return f' <span class="note">{e(line.note)}</span>'


def timeline(lines: list[Line]) -> str:
    """The record as an ordered list; sign-offs name their signer's role."""
    items = "".join(
        f'<li data-kind="{e(x.kind)}"><time>{when(x.at)}</time> <b>{e(x.what)}</b>'
        + (
            f' <span class="who">{e(x.signed + "：") if x.signed else ""}{e(x.who)}</span>'
            if x.who
            else ""
        )
        + (note_of(x) if x.note else "")
        + "</li>"
        for x in lines
    )
    return f'<ol class="timeline" id="timeline">{items or "<li>暂无记录</li>"}</ol>'


def last_of(entries: list[dict[str, Any]], *kinds: str) -> dict[str, Any] | None:
    """The latest entry of one of the kinds."""
    return next((x for x in reversed(entries) if x["kind"] in kinds), None)


async def load(request: Request, case_no: str) -> tuple[dict[str, Any] | None, list[Any], Any]:
    """The board row, the record entries and the caller of a case."""
    async with sessions_db(request)() as session:
        row = await queries.one(session, case_no)
        entries = await case_entries(session, case_no) if row else []
        caller = await caller_of(session, case_no) if row else None
    return row, entries, caller


async def files_of(request: Request, user: User, row: dict[str, Any], ui: Ui) -> tuple[str, str]:
    """The files card and 办结's photo field of a case, for this viewer."""
    async with sessions_db(request)() as session:
        rows = await attachments.of_case(session, row["case_no"])
    needed = request.app.state.attachments.policy.needs_photo(row.get("topic"))
    names = request.app.state.people.known
    card = files_card(
        row["case_no"],
        rows,
        {k: v[0] for k, v in names.items()},
        may_attach=attach_refusal(user, row, ui.directory) is None,
        photo_needed=needed,
    )
    return card, photo_field(needed)


def denied_page(request: Request, user: User, message: str) -> Response:
    """A refusal the user can read, with the way back."""
    body = (
        '<section class="denied"><h1>无法查看工单</h1>'
        # Where the outcome of the user's own last action stays (their bounce moved it on).
        '<p class="msg" id="action-msg" role="alert"></p>'
        '<p class="error" role="alert" id="denied">'
        f'{e(message)}</p><p><a href="/queue">返回待办队列</a></p></section>'
    )
    return render(request, "无权查看", body, user, "", status=403)


def refusal_for(
    user: User, row: dict[str, Any], entries: list[dict[str, Any]], ui: Ui
) -> str | None:
    """Why this user may not see the case, or None."""
    denied = access.refusal(user, row, ui.directory)
    bounced_here = any(x["kind"] == "bounced" and x["unit_id"] == user.unit_id for x in entries)
    if denied and bounced_here:
        # The unit's own bounce moved the case on: say that, not a bare refusal.
        return f"本单位已退回该工单，现由{row['unit_name']}承办，本单位不能再查看或办理。"
    return denied


async def opened(
    request: Request, case_no: str
) -> tuple[User, Ui, dict[str, Any], list[dict[str, Any]], Any] | Response:
    """The signed-in user and the case they may see (its caller as shown, masked), or the
    page that says why not."""
    user = viewer(request)
    ui = ui_of(request)
    row, entries, caller = await load(request, case_no)
    if row is None:
        body = f'<p class="error" role="alert" id="denied">未找到工单 {e(case_no)}。</p>'
        return render(request, "未找到", body, user, "", status=404)
    denied = refusal_for(user, row, entries, ui)
    if denied:
        return denied_page(request, user, denied)
    return user, ui, row, entries, None if caller is None else shown(caller, sealer_of(request))


@router.get("/cases/{case_no}")
async def case_page(request: Request, case_no: str) -> Response:
    """Content, classification and why, SLA, the whole record, and the user's actions."""
    got = await opened(request, case_no)
    if isinstance(got, Response):
        return got
    user, ui, row, entries, caller = got
    reveal = ""
    if access.may_reveal(user):
        reveal = reveal_form(case_no, (await principal_of(request)).csrf)
    await ui.time_left([row])
    # The latest dispatch decision, whatever dispatch named it (auto, human_dispatch, ...).
    dispatched = next((x for x in reversed(entries) if x["event_type"] == DISPATCHED), None)
    d = (dispatched or {}).get("data", {})
    ext = ""
    if row["extension_pending"]:
        asked = last_of(entries, "extension_requested")
        asked = asked or {}
        who = person(
            asked.get("actor_name") or asked.get("actor", ""),
            ui.unit_name(asked["actor_unit_id"]) if asked.get("actor_unit_id") else "",
        )
        ext = (
            f'<p class="ext" id="pending-extension">延期申请：{e(row["extension_note"])}'
            f"（{e(who)}）</p>"
        )
    ext += pending_takeover(row, ui.unit_name)
    own = {"transfer": transfer_fields(user, row, ui.directory)}
    bounces = sum(1 for x in entries if x["kind"] == "bounced")
    parted = part_forms(case_no, user, row, ui.directory)
    lines = story(entries, ui.unit_name)
    files, photo = await files_of(request, user, row, ui)
    next_actions = access.next_actions(user, row, ui.directory)
    # Finished cases have nothing left to count down.
    remain = f' <span class="remain-wrap">{due_cell(row)}</span>'
    if row["state"] in FINISHED or row["state"] == "merged":  # a follower's clock stopped
        remain = ""
    body = (
        f'<header class="bar"><h1>工单 <span id="case-no">{e(case_no)}</span></h1>'
        f'{light(row["light"])} <span class="state"'
        f' id="case-state">{state_label(row, entries)}</span>{remain}'
        f' <a class="print" href="/cases/{e(case_no)}/record">打印台账</a></header>'
        '<div class="case-grid">'
        # First on the page (the phone's first screen), in the right-hand column at the desk.
        f"{actions_card(case_no, next_actions, row, {'resolve': photo}, parted, own)}"
        f"{related_card(entries)}"
        f"{merge_card(entries)}"
        f"{await people.case_card(request, user, row, entries)}"
        f'<section class="card"><h2>诉求内容</h2><h3>{e(row["title"])}</h3>'
        f'<p class="content">{e(row["content"])}</p>'
        f"<dl><dt>地址</dt><dd>{e(row['address']) or '—'}</dd>"
        f'<dt>来电人</dt><dd id="caller">{caller_line(caller, reveal)}</dd>'
        f"<dt>渠道</dt><dd>{e(CHANNELS.get(row['channel'], row['channel'] or '—'))}</dd>"
        f'<dt>诉求类型</dt><dd id="case-type">{e(type_label(row.get("request_type")))}</dd></dl>'
        "</section>"
        f'<section class="card"><h2>分类与派单理由</h2><dl>'
        f"<dt>主题</dt><dd>{e(row['topic'])}</dd>"
        f"<dt>难度</dt><dd>{DIFFICULTY.get(row['difficulty'], e(row['difficulty']))}"
        f"{'（紧急）' if row['urgent'] else ''}</dd>"
        "<dt>承办</dt><dd"
        f' id="case-unit">{e(row["unit_name"])}（{TIERS.get(row["tier"], e(row["tier"]))}）</dd>'
        f"<dt>置信度</dt><dd>{float(d.get('confidence') or 0):.2f}</dd></dl>"
        f"{why(str(d.get('explanation') or ''), list(d.get('reasons') or []))}</section>"
        f'<section class="card"><h2>时限</h2><dl>'
        f"<dt>签收时限</dt><dd>{when(row['accept_due'])}</dd>"
        f"<dt>办结时限</dt><dd>{when(row['resolve_due'])}</dd>"
        f"<dt>升级次数</dt><dd>{row['escalation_level']}</dd>"
        f"<dt>退单次数</dt><dd>{bounces}</dd></dl>{ext}</section>"
        f"{files}"
        f"{parts_card(row)}"
        f'<section class="card"><h2>办理记录（台账）</h2>{timeline(lines)}</section>'
        "</div>"
    )
    return render(request, f"工单 {case_no}", body, user, f"case:{case_no}")


@router.get("/cases/{case_no}/record")
async def printable_record(request: Request, case_no: str) -> Response:
    """One case's whole record on a printable page, personal data masked for the reader."""
    got = await opened(request, case_no)
    if isinstance(got, Response):
        return got
    user, ui, row, entries, caller = got
    lines = story(entries, ui.unit_name, everything=True)
    rows = "".join(
        f"<tr><td>{when(x.at)}</td><td>{e(x.what)}</td>"
        f"<td>{e(x.signed + '：' if x.signed else '')}{e(x.who)}</td><td>{e(x.note)}</td></tr>"
        for x in lines
    )
    closed = CLOSE_REASONS.get(row["close_reason"], "") if row["state"] == "closed" else ""
    body = (
        f'<article class="record-print"><h1>12345 工单台账 · {e(case_no)}</h1>'
        f"<dl><dt>诉求</dt><dd>{e(row['title'])}</dd><dt>内容</dt><dd>{e(row['content'])}</dd>"
        f"<dt>地址</dt><dd>{e(row['address']) or '—'}</dd>"
        f"<dt>来电人</dt><dd>{caller_line(caller)}</dd>"
        f"<dt>承办单位</dt><dd>{e(row['unit_name'])}</dd>"
        f"<dt>状态</dt><dd>{STATES.get(row['state'], e(row['state']))}"
        f"{('（' + e(closed) + '）') if closed else ''}</dd></dl>"
        '<table class="grid record" id="record"><thead><tr><th>时间</th><th>事项</th>'
        f"<th>经办/签字</th><th>内容</th></tr></thead><tbody>{rows}</tbody></table>"
        f'<p class="note">打印人：{e(user.name)} · 来电人姓名与号码已脱敏。'
        f' <a href="/cases/{e(case_no)}/record.csv" id="record-csv">导出 CSV</a></p></article>'
    )
    return render(request, f"工单台账 {case_no}", body, user, "")


@router.get("/cases/{case_no}/record.csv")
async def record_csv(request: Request, case_no: str) -> Response:
    """One case's whole record as CSV (for an appeal or a citizen's request), masked alike."""
    got = await opened(request, case_no)
    if isinstance(got, Response):
        return got
    user, ui, row, entries, caller = got
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(out)
    writer.writerow(["工单编号", case_no, "诉求", row["title"]])
    writer.writerow([*export_caller(caller), "导出人", user.name])
    writer.writerow(["时间", "事项", "经办/签字", "内容"])
    for x in story(entries, ui.unit_name, everything=True):
        who = f"{x.signed}：{x.who}" if x.signed else x.who
        writer.writerow([x.at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S"), x.what, who, x.note])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{case_no}.csv"},
    )
