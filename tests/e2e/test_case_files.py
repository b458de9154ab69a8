"""Files and photos of a case against the running stack: uploaded at the desk and from
intake's console, listed, read back (photos without their location), refused in Chinese
when oversized, mistyped, damaged or malformed, and never lost across a desk restart."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from services.common.files.policy import FilePolicy
from services.common.files.scan import EICAR
from tests.files_support import has_location, jpeg_with_gps
from tests.support import (
    INTAKE_HEADERS,
    RUN_DIR,
    SERVICE_HEADERS,
    StackAddresses,
    eventually,
    new_case,
    signed_in,
    stack_command,
)

POLICY = FilePolicy.from_file()
HANDLER = "liuan"  # the street lamp of new_case() is his village's


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


async def file_case(stack: StackAddresses, **overrides: Any) -> str:
    async with httpx.AsyncClient(timeout=15) as http:
        resp = await http.post(
            f"{stack.intake}/v1/cases", json=new_case(**overrides), headers=INTAKE_HEADERS
        )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["case_no"])


async def seen_by(client: httpx.AsyncClient, case_no: str) -> None:
    """Until the desk's record holds the case for this person (it follows the events)."""

    async def listed() -> bool:
        resp = await client.get(f"/cases/{case_no}/files")
        return resp.status_code == 200

    await eventually(listed, timeout=60, interval=0.5)


@pytest.fixture
async def handler(stack: StackAddresses) -> AsyncIterator[httpx.AsyncClient]:
    client = await signed_in(stack, HANDLER)
    client.timeout = httpx.Timeout(60.0)
    try:
        yield client
    finally:
        await client.aclose()


async def upload(
    client: httpx.AsyncClient, case_no: str, name: str, data: bytes, mime: str = "image/jpeg"
) -> httpx.Response:
    return await client.post(
        f"/cases/{case_no}/files", files={"file": (name, data, mime)}, data={"origin": "case"}
    )


async def test_a_photo_is_stored_listed_and_read_back_without_its_location(
    stack: StackAddresses, handler: httpx.AsyncClient
) -> None:
    case_no = await file_case(stack)
    await seen_by(handler, case_no)
    photo = jpeg_with_gps()
    assert has_location(photo)
    resp = await upload(handler, case_no, "现场照片.jpg", photo)
    assert resp.status_code == 201, resp.text
    stored = resp.json()["files"][0]
    assert stored["name"] == "现场照片.jpg" and stored["content_type"] == "image/jpeg"

    listed = (await handler.get(f"/cases/{case_no}/files")).json()
    assert [f["id"] for f in listed] == [stored["id"]]
    assert listed[0]["uploaded_by"] == HANDLER and listed[0]["size"] == stored["size"]

    got = await handler.get(f"/cases/{case_no}/files/{stored['id']}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(got.content).hexdigest() == listed[0]["sha256"]
    assert not has_location(got.content)
    thumb = await handler.get(f"/cases/{case_no}/files/{stored['id']}/thumb")
    assert thumb.status_code == 200
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= POLICY.thumb_side

    # The record names the file (who, name, size, type), never its bytes.
    async with httpx.AsyncClient(timeout=15) as http:
        record = (
            await http.get(f"{stack.desk}/v1/cases/{case_no}/record", headers=SERVICE_HEADERS)
        ).json()
    text = str(record)
    assert "上传附件（照片）" in text and "现场照片.jpg" in text

    # The case page shows it as a thumbnail served through the desk.
    page = (await handler.get(f"/cases/{case_no}")).text
    assert f"/cases/{case_no}/files/{stored['id']}/thumb" in page


async def test_another_units_handler_neither_reads_nor_adds(
    stack: StackAddresses, handler: httpx.AsyncClient
) -> None:
    case_no = await file_case(stack)
    await seen_by(handler, case_no)
    stored = (await upload(handler, case_no, "a.jpg", jpeg_with_gps())).json()["files"][0]
    other = await signed_in(stack, "jinqiao")
    try:
        for url in (
            f"/cases/{case_no}/files",
            f"/cases/{case_no}/files/{stored['id']}",
            f"/cases/{case_no}/files/{stored['id']}/thumb",
        ):
            resp = await other.get(url)
            assert resp.status_code == 403 and chinese(resp.text), (url, resp.text)
        resp = await upload(other, case_no, "b.jpg", jpeg_with_gps())
        assert resp.status_code == 403 and chinese(resp.json()["message"])
    finally:
        await other.aclose()


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("big.jpg", jpeg_with_gps() + b"\0" * (POLICY.max_bytes + 1), 413, "file_too_large"),
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 500, 415, "file_type"),
        ("photo.jpg", b"<html><script>alert(1)</script></html>", 415, "file_type"),
        ("cut.jpg", _cut(jpeg_with_gps((900, 700))), 422, "file_damaged"),
        ("empty.jpg", b"", 422, "empty_file"),
        ("eicar.jpg", EICAR, 422, "infected"),
    ],
)
async def test_bad_uploads_are_refused_in_chinese(
    stack: StackAddresses,
    handler: httpx.AsyncClient,
    name: str,
    data: bytes,
    status: int,
    code: str,
) -> None:
    case_no = await file_case(stack)
    await seen_by(handler, case_no)
    resp = await upload(handler, case_no, name, data)
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and chinese(body["message"]), body
    assert (await handler.get(f"/cases/{case_no}/files")).json() == []


async def test_malformed_requests_get_a_chinese_4xx(
    stack: StackAddresses, handler: httpx.AsyncClient
) -> None:
    case_no = await file_case(stack)
    await seen_by(handler, case_no)
    url = f"/cases/{case_no}/files"
    broken = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8'
    )
    answers = [
        await handler.post(url, content=broken, headers={"Content-Type": "multipart/form-data"}),
        await handler.post(
            url, content=broken, headers={"Content-Type": "multipart/form-data; boundary=xyz"}
        ),
        await handler.post(url, json={"file": "not a file"}),
        await handler.post(url, data={"origin": "case"}, files={"other": ("a", b"x")}),
    ]
    for resp in answers:
        assert 400 <= resp.status_code < 500, resp.text
        assert chinese(resp.json()["message"]), resp.text


async def test_an_operator_attaches_from_intakes_console(stack: StackAddresses) -> None:
    case_no = await file_case(stack)
    operator = await signed_in(stack, "operator")
    operator.timeout = httpx.Timeout(60.0)
    try:

        async def sent() -> httpx.Response | None:
            resp = await operator.post(
                f"{stack.intake}/v1/cases/{case_no}/files",
                files={"file": ("来电人拍的照片.jpg", jpeg_with_gps(), "image/jpeg")},
            )
            return None if resp.status_code == 404 else resp  # the desk follows a moment later

        resp = await eventually(sent, timeout=60, interval=1.0)
        assert resp.status_code == 201, resp.text
        assert resp.json()["files"][0]["origin"] == "console"
        refused = await operator.post(
            f"{stack.intake}/v1/cases/{case_no}/files",
            files={"file": ("x.jpg", b"GIF89a not really", "image/jpeg")},
        )
        assert refused.status_code == 415 and chinese(refused.json()["message"])
    finally:
        await operator.aclose()
    handler = await signed_in(stack, HANDLER)
    try:
        await seen_by(handler, case_no)
        listed = (await handler.get(f"/cases/{case_no}/files")).json()
        assert [(f["name"], f["uploaded_by"]) for f in listed] == [
            ("来电人拍的照片.jpg", "operator")
        ]
    finally:
        await handler.aclose()


def _desk_pid() -> int:
    return int((Path(RUN_DIR) / "desk.pid").read_text())


async def test_nothing_acknowledged_is_lost_when_the_desk_dies_mid_upload(
    stack: StackAddresses, handler: httpx.AsyncClient
) -> None:
    case_no = await file_case(stack)
    await seen_by(handler, case_no)
    acknowledged: dict[str, str] = {}
    for n in range(3):
        resp = await upload(
            handler, case_no, f"第{n}张.jpg", jpeg_with_gps(colour=(n * 60, 90, 20))
        )
        assert resp.status_code == 201, resp.text
        acknowledged[resp.json()["files"][0]["id"]] = resp.json()["files"][0]["sha256"]

    # A large upload in flight when the desk is killed: it is never acknowledged.
    big = jpeg_with_gps((3000, 2500))
    in_flight = asyncio.create_task(upload(handler, case_no, "途中.jpg", big))
    await asyncio.sleep(0.05)
    victim = _desk_pid()
    os.kill(victim, signal.SIGKILL)
    try:
        answer = await in_flight
        if answer.status_code == 201:  # it finished before the kill: acknowledged, so kept
            acknowledged[answer.json()["files"][0]["id"]] = answer.json()["files"][0]["sha256"]
    except httpx.HTTPError:
        pass
    await stack_command("up", "desk")
    assert _desk_pid() != victim

    after = await signed_in(stack, HANDLER)
    after.timeout = httpx.Timeout(60.0)
    try:
        await seen_by(after, case_no)
        listed = {f["id"]: f["sha256"] for f in (await after.get(f"/cases/{case_no}/files")).json()}
        assert acknowledged.items() <= listed.items()
        for file_id, digest in acknowledged.items():
            got = await after.get(f"/cases/{case_no}/files/{file_id}")
            assert got.status_code == 200
            assert hashlib.sha256(got.content).hexdigest() == digest
    finally:
        await after.aclose()


POLLUTION = {
    "title": "柳岸路河道黑臭",
    "content": "柳岸路柳岸花园旁的小河黑臭，有人往河里偷排污水，气味刺鼻，请尽快查处。",
}


async def test_resolving_a_topic_the_policy_names_needs_a_photo(stack: StackAddresses) -> None:
    assert POLICY.needs_photo("环境保护")
    case_no = await file_case(stack, **POLLUTION)
    admin = await signed_in(stack, "admin")
    admin.timeout = httpx.Timeout(60.0)
    act = f"/ui/cases/{case_no}/act"
    try:
        await seen_by(admin, case_no)

        async def accepted() -> httpx.Response | None:
            resp = await admin.post(f"{act}/accept", json={"note": ""})
            return resp if resp.status_code == 200 else None  # until sla holds the case

        await eventually(accepted, timeout=60, interval=1.0)
        done = {"note": "已联系生态环境部门查处，河道已清理", "signed": True}
        refused = await admin.post(f"{act}/resolve", json=done)
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert body["code"] == "photo_required" and "须附现场照片" in body["message"]
        resp = await upload(admin, case_no, "整改后.jpg", jpeg_with_gps())
        assert resp.status_code == 201, resp.text
        resolved = await admin.post(f"{act}/resolve", json=done)
        assert resolved.status_code == 200, resolved.text
    finally:
        await admin.aclose()
