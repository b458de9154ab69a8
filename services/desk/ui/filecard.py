"""The case page's files and photos: thumbnails served through the desk (the case's own
access rules, never a bucket's address), the upload form with the phone's camera, and the
photo field of 办结."""

from __future__ import annotations

from typing import Any

from services.common.files.checks import size_text
from services.common.files.policy import IMAGE_TYPES
from services.desk.ui.html import e, when

ORIGINS = {"console": "受理时", "case": "", "phone": "手机拍摄"}


def _item(case_no: str, row: Any, names: dict[str, str]) -> str:
    href = f"/cases/{e(case_no)}/files/{e(row.id)}"
    who = names.get(row.uploaded_by, row.uploaded_by)
    origin = ORIGINS.get(row.origin, "")
    meta = (
        f'<small class="meta">{e(row.name)} · {size_text(row.size)} · {e(who)}'
        f"{' · ' + origin if origin else ''} · {when(row.uploaded_at)}</small>"
    )
    if row.content_type in IMAGE_TYPES and row.thumb_key:
        shown = f'<img src="{href}/thumb" alt="{e(row.name)}" loading="lazy">'
    else:
        shown = f'<span class="doc">{e(row.name.rsplit(".", 1)[-1].upper())}</span>'
    return (
        f'<li class="file"><a href="{href}" target="_blank" rel="noopener">{shown}</a>{meta}</li>'
    )


def files_card(
    case_no: str,
    rows: list[Any],
    names: dict[str, str],
    *,
    may_attach: bool,
    photo_needed: bool,
) -> str:
    """Every file of the case as a thumbnail or a document tile, and the upload form."""
    items = "".join(_item(case_no, r, names) for r in rows)
    listing = (
        f'<ul class="thumbs" id="file-list">{items}</ul>'
        if items
        else '<p class="none" id="file-list">暂无附件</p>'
    )
    need = (
        '<p class="need-photo" id="need-photo">本类工单办结须附现场照片。</p>'
        if photo_needed
        else ""
    )
    form = ""
    if may_attach:
        form = (
            f'<form class="upload" id="upload-form" data-case="{e(case_no)}">'
            '<label class="camera">拍照上传 <input type="file" name="file" accept="image/*"'
            ' capture="environment" data-origin="phone" id="camera-input"></label>'
            '<label>选择文件 <input type="file" name="file" accept="image/*,application/pdf"'
            ' multiple id="file-input"></label>'
            '<button class="primary" id="upload-button">上传</button>'
            '<p class="msg" id="upload-msg" role="alert"></p></form>'
        )
    return (
        f'<section class="card files" id="files"><h2>附件与照片（{len(rows)}）</h2>'
        f"{need}{listing}{form}</section>"
    )


def photo_field(needed: bool) -> str:
    """办结's photo of the result, taken with the phone's camera (required on some topics)."""
    label = "现场照片（必须）" if needed else "现场照片（可选）"
    return (
        f'<label class="photo">{label} <input type="file" name="photo" accept="image/*"'
        f' capture="environment" data-origin="phone" id="resolve-photo"></label>'
    )
