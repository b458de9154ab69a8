"""模型管理 (admins only): dispatch's model versions: train, shadow, promote, roll back.

The desk decides nothing itself: each button is a call to dispatch's /v1/model API as the
desk, naming the admin who pressed it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.common.access import allow
from services.common.access.services import ACTOR_HEADER
from services.desk.ui.auth import ADMINS, csrf_of, viewer
from services.desk.ui.context import ui_of
from services.desk.ui.html import cells, csrf_field, e, table, when
from services.desk.ui.pages import render

router = APIRouter(
    prefix="/admin/model",
    include_in_schema=False,
    dependencies=[Depends(allow(*ADMINS, page=True))],
)
VERSION = r"^v\d{4,}$"
# Training cross-validates on the whole corpus and history: it can take a minute.
TRAIN_SECONDS = 300.0


def back(done: str = "", error: str = "") -> Response:
    query = urlencode({k: v for k, v in (("done", done), ("error", error)) if v})
    return RedirectResponse(f"/admin/model{'?' + query if query else ''}", status_code=303)


async def _dispatch(
    request: Request,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    timeout: float = 15.0,
) -> tuple[int, Any]:
    ui = ui_of(request)
    admin = viewer(request).username
    try:
        resp = await ui.peers.request(
            method,
            f"{ui.dispatch_url}/v1/model{path}",
            json={**(body or {}), "actor": admin} if method == "POST" else None,
            headers={ACTOR_HEADER: admin},
            timeout=timeout,
        )
    except httpx.HTTPError:
        return 503, {"message": "派单服务暂不可用，请稍后重试"}
    return resp.status_code, resp.json()


def version_name(version: str) -> str:
    """A model version as people name it: the one trained at start on the shipped corpus has
    no number."""
    return "内置语料版本" if version == "corpus" else str(version)


def _figures(meta: dict[str, Any]) -> str:
    cv = meta.get("cross_validation") or {}
    whole, centre = cv.get("all") or {}, cv.get("centre") or {}
    text = f"交叉验证准确率 {whole.get('accuracy', 0):.1%}"
    text += f"，宏平均F1值 {whole.get('macro_f1', 0):.3f}"
    if centre.get("cases"):
        text += f"；中心样本 {centre['cases']} 件，准确率 {centre.get('accuracy', 0):.1%}"
    return text


def _shadow(meta: dict[str, Any]) -> str:
    s = meta.get("shadow")
    if not s:
        return "未评估"
    return (
        f"影子 {s['cases']} 件（已有结论 {s['judged']} 件）：新版本 {s['candidate_accuracy']:.1%}，"
        f"现用 {s['live_accuracy']:.1%}，一致率 {s['agreement']:.1%}"
    )


def _sources(meta: dict[str, Any]) -> str:
    n = meta.get("examples") or {}
    return (
        f"语料 {n.get('corpus', 0)}、人工改判 {n.get('correction', 0)}、"
        f"办结工单 {n.get('closed', 0)}"
    )


@router.get("")
async def model_page(request: Request, done: str = "", error: str = "") -> Response:
    """Every version with its data, figures and shadow result; the buttons that act on them."""
    me, token = viewer(request), csrf_of(request)
    status, state = await _dispatch(request, "GET", "")
    if status != 200:
        body = f'<p class="error" role="alert">{e(state.get("message", "无法读取模型状态"))}</p>'
        return render(request, "模型管理", body, me, "", status=503)
    rows = []
    for meta in reversed(state["versions"]):
        v = e(meta["version"])
        digest = meta["data_sha256"][:12]
        mark = (
            "使用中"
            if meta["version"] == state["live"]
            else "影子运行"
            if meta["version"] == state["shadow"]
            else ""
        )
        actions = (
            f'<form method="post" action="/admin/model/{v}/evaluate">{csrf_field(token)}'
            f'<button id="evaluate-{v}">影子评估</button></form>'
            f'<form method="post" action="/admin/model/{v}/promote">{csrf_field(token)}'
            '<label><input type="checkbox" name="force" value="true">未通过评估也发布</label>'
            f'<button class="primary" id="promote-{v}">发布</button></form>'
            if meta["version"] != state["live"]
            else ""
        )
        rows.append(
            cells(
                [
                    ("版本", f"{v} <small>{e(mark)}</small>"),
                    ("训练时间", when(meta.get("created_at") or None)),
                    (
                        "训练数据",
                        f"{e(_sources(meta))}<br><small>{e(digest)}</small>",
                    ),
                    ("交叉验证", e(_figures(meta))),
                    ("影子评估", e(_shadow(meta))),
                    ("操作", actions),
                ],
                f'data-version="{v}"',
            )
        )
    note = (f'<p class="msg ok" role="status" id="model-done">{e(done)}</p>' if done else "") + (
        f'<p class="error" role="alert" id="model-error">{e(error)}</p>' if error else ""
    )
    log = "".join(
        f"<li>{when(p['at'])} {e(p['by'])} {'发布' if p['action'] == 'promote' else '回退'} "
        f"{e(p['version'])}</li>"
        for p in reversed(state["promotions"])
    )
    body = (
        f'<header class="bar"><h1>模型管理</h1><p class="counts">使用中 <b id="live-version">'
        f"{e(version_name(state['live']))}</b></p>{note}</header>"
        '<section class="card"><h2>训练与回退</h2>'
        f'<form method="post" action="/admin/model/train">{csrf_field(token)}'
        '<button class="primary" id="train">用中心数据训练新版本</button></form>'
        f'<form method="post" action="/admin/model/rollback">{csrf_field(token)}'
        '<button id="rollback">回退到上一发布版本</button></form></section>'
        '<section class="card wide"><h2>模型版本</h2>'
        + table(
            ["版本", "训练时间", "训练数据", "交叉验证", "影子评估", "操作"],
            rows,
            empty="尚无训练出的版本，当前使用随服务发布的语料模型",
        )
        + f'</section><section class="card"><h2>发布记录</h2><ul>{log or "<li>暂无</li>"}</ul>'
        "</section>"
    )
    return render(request, "模型管理", body, me, "")


def _outcome(status: int, answer: Any, done: str) -> Response:
    if status == 200:
        return back(done=done)
    return back(error=str(answer.get("message") or f"操作失败（{status}）"))


@router.post("/train")
async def train(request: Request) -> Response:
    """A new version from the corpus and the centre's history; it starts in shadow."""
    status, answer = await _dispatch(request, "POST", "/train", timeout=TRAIN_SECONDS)
    return _outcome(status, answer, f"已训练新版本 {answer.get('version', '')}，开始影子运行。")


@router.post("/rollback")
async def rollback(request: Request) -> Response:
    """Back to the previously promoted version."""
    status, answer = await _dispatch(request, "POST", "/rollback")
    live = version_name(str(answer.get("live", "")))
    return _outcome(status, answer, f"已回退，现用版本 {live}。")


@router.post("/{version}/evaluate")
async def evaluate(request: Request, version: str) -> Response:
    """Score the version's shadow topics against the cases' final labels."""
    status, answer = await _dispatch(request, "POST", f"/versions/{version}/evaluate")
    return _outcome(status, answer, f"已完成 {version} 的影子评估。")


@router.post("/{version}/promote")
async def promote(request: Request, version: str, force: Annotated[str, Form()] = "") -> Response:
    """Make the version the one dispatch uses (within seconds, without a restart)."""
    body = {"version": version, "force": force == "true"}
    status, answer = await _dispatch(request, "POST", "/promote", body)
    return _outcome(status, answer, f"已发布 {version}，派单服务数秒内改用该版本。")
