"""Files and photos at the desk without servers: who may add them, how the record and the
case page tell of them, and that a file is recorded only after its bytes are stored."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from services.common.access.casework import attach_refusal, case_at
from services.common.files.checks import Refused
from services.common.files.policy import FilePolicy
from services.common.files.scan import EICAR, EicarScanner
from services.common.files.store import MemoryStore
from services.common.jurisdiction import Directory
from services.desk.files.service import Attachments, Upload
from services.desk.record.story import story
from services.desk.record.writer import People
from services.desk.ui.filecard import files_card, photo_field
from tests.files_support import jpeg_with_gps

DIRECTORY = Directory.from_file()
V01, V02 = "U-D01-T01-V01", "U-D01-T01-V02"


@dataclass(frozen=True)
class Someone:
    role: str
    unit_id: str


def test_whoever_may_see_an_open_case_may_add_to_it() -> None:
    case = {**case_at(DIRECTORY, V01), "state": "accepted"}
    assert attach_refusal(Someone("handler", V01), case, DIRECTORY) is None
    assert attach_refusal(Someone("operator", "U-D01-DBZX"), case, DIRECTORY) is None
    assert "不属于本单位" in (attach_refusal(Someone("handler", V02), case, DIRECTORY) or "")
    assert attach_refusal(Someone("auditor", "U-D01-DBZX"), case, DIRECTORY)
    closed = {**case, "state": "closed"}
    assert "已销号" in (attach_refusal(Someone("handler", V01), closed, DIRECTORY) or "")


def test_the_record_tells_of_a_photo_by_its_name() -> None:
    entry = {
        "kind": "attached",
        "event_type": "minhu.case.attachment.v1",
        "data": {"content_type": "image/jpeg", "name": "现场.jpg", "size": 1000},
        "note": "现场.jpg",
        "at": datetime(2026, 12, 1, tzinfo=UTC),
        "seq": 1,
        "actor": "liuan",
        "actor_name": "王网格员",
        "actor_unit_id": "",
        "unit_id": V01,
        "signed_as": "",
    }
    (line,) = story([entry], lambda unit: unit)
    assert line.what == "上传附件（照片）" and line.note == "现场.jpg" and line.who == "王网格员"


def _row(**values: Any) -> Any:
    base = {
        "id": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
        "name": "现场.jpg",
        "content_type": "image/jpeg",
        "size": 2048,
        "origin": "phone",
        "uploaded_by": "liuan",
        "uploaded_at": datetime(2026, 12, 1, tzinfo=UTC),
        "thumb_key": "cases/x/thumb.jpg",
    }
    return SimpleNamespace(**(base | values))


def test_the_card_shows_thumbnails_through_the_desk_and_the_camera() -> None:
    html = files_card(
        "20261201000001",
        [_row(), _row(name="回执.pdf", content_type="application/pdf", thumb_key="")],
        {"liuan": "王网格员"},
        may_attach=True,
        photo_needed=True,
    )
    assert 'src="/cases/20261201000001/files/00000000-0000-0000-0000-000000000000/thumb"' in html
    assert "王网格员" in html and "手机拍摄" in html and '<span class="doc">PDF</span>' in html
    assert 'capture="environment"' in html and "须附现场照片" in html
    quiet = files_card("20261201000001", [], {}, may_attach=False, photo_needed=False)
    assert "暂无附件" in quiet and "<form" not in quiet
    assert "（必须）" in photo_field(True) and 'accept="image/*"' in photo_field(False)


class FailingStore(MemoryStore):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        raise OSError("store down")


class NoSessions:
    """A database nobody may reach: a refused or failed upload never gets this far."""

    def __call__(self) -> Any:
        raise AssertionError("the metadata was written before the object was stored")


def _upload(data: bytes) -> Upload:
    return Upload("20261201000001", "a.jpg", data, "liuan", "case", V01)


def test_nothing_is_recorded_when_the_store_fails_or_the_file_is_refused() -> None:
    policy = FilePolicy()
    failing = Attachments(FailingStore(), EicarScanner(), policy, People())
    with pytest.raises(OSError):
        asyncio.run(failing.add(NoSessions(), _upload(jpeg_with_gps())))
    store = MemoryStore()
    files = Attachments(store, EicarScanner(), policy, People())
    with pytest.raises(Refused, match="病毒扫描"):
        asyncio.run(files.add(NoSessions(), _upload(EICAR)))
    with pytest.raises(Refused, match="不支持的文件类型"):
        asyncio.run(files.add(NoSessions(), _upload(b"not an image at all")))
    assert store.objects == {}
