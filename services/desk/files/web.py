"""Reading an upload off a request: the declared size checked first, the body read only up
to the policy's limit, the multipart parsed with its errors answered in Chinese (a 4xx,
never a 5xx)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from services.common.files.checks import Refused, check_size, size_text
from services.common.files.policy import FilePolicy

# At most this many files in one request (a phone sends one photo, a console a few).
MAX_FILES = 5
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Sent:
    name: str
    data: bytes


async def _read(part: UploadFile, policy: FilePolicy) -> bytes:
    chunks, total = [], 0
    while chunk := await part.read(CHUNK):
        total += len(chunk)
        if total > policy.max_bytes:
            check_size(total, policy)
        chunks.append(chunk)
    return b"".join(chunks)


async def files_of(request: Request, policy: FilePolicy) -> tuple[list[Sent], dict[str, str]]:
    """The files of a multipart request (field `file`) and its other fields."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes * MAX_FILES + 64 * 1024:
        raise Refused(
            "file_too_large",
            f"上传内容过大，单个文件不能超过 {size_text(policy.max_bytes)}。",
            413,
        )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Refused("not_multipart", "请以表单方式上传文件（multipart/form-data）。", 415)
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=20)
    except (MultiPartException, HTTPException) as exc:
        # Starlette reports a malformed multipart body as a 400 with its English reason.
        raise Refused("bad_upload", "上传内容格式错误（表单不完整），请重新上传。", 400) from exc
    sent, fields = [], {}
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await _read(value, policy)
                # An empty file input sends a part with no name and no bytes: nothing chosen.
                if key == "file" and (data or value.filename):
                    sent.append(Sent(value.filename or "", data))
            else:
                fields[key] = value
    finally:
        await form.close()
    if not sent:
        raise Refused("no_file", "请选择要上传的文件或照片。", 422)
    return sent, fields
