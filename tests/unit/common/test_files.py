"""Uploads are judged by their bytes: size, type, integrity; photos lose their EXIF."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from services.common.files.checks import Refused, clean_name, inspect, size_text
from services.common.files.policy import FilePolicy
from services.common.files.scan import EICAR, EicarScanner
from services.common.files.store import MemoryStore, Missing
from tests.files_support import GPS, has_location, jpeg_with_gps

POLICY = FilePolicy(
    max_bytes=200_000,
    allowed_types=frozenset({"image/jpeg", "image/png", "application/pdf"}),
    strip_location=True,
    thumb_side=64,
    photo_required_topics=frozenset({"城乡建设"}),
)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 128, 0, 200)).save(out, "PNG")
    return out.getvalue()


def test_the_fixture_does_carry_a_location() -> None:
    assert has_location(jpeg_with_gps())


def test_a_photo_is_re_encoded_without_exif_and_upright() -> None:
    got = inspect(jpeg_with_gps(), "现场.jpg", POLICY)
    img = Image.open(io.BytesIO(got.data))
    assert got.content_type == "image/jpeg" and got.is_image
    assert not has_location(got.data) and not img.getexif().get_ifd(GPS)
    assert not img.getexif()
    # The orientation went into the pixels: 400x300 shot sideways reads 300x400.
    assert (img.width, img.height) == (300, 400) == (got.width, got.height)
    thumb = Image.open(io.BytesIO(got.thumb or b""))
    assert thumb.format == "JPEG" and max(thumb.size) <= 64


def test_without_the_policy_the_bytes_are_kept() -> None:
    data = jpeg_with_gps()
    got = inspect(data, "a.jpg", FilePolicy(strip_location=False))
    assert got.data == data and got.thumb


def test_a_png_named_jpg_is_stored_as_png() -> None:
    got = inspect(png(), "照片.jpg", POLICY)
    assert got.content_type == "image/png" and got.name == "照片.png"


def test_oversized_upload_is_refused_in_chinese() -> None:
    big = jpeg_with_gps() + b"\0" * 300_000
    with pytest.raises(Refused) as caught:
        inspect(big, "big.jpg", POLICY)
    assert caught.value.code == "file_too_large" and caught.value.status == 413
    assert "不能超过 195 KB" in caught.value.message


def test_empty_upload_is_refused() -> None:
    with pytest.raises(Refused, match="文件为空"):
        inspect(b"", "a.jpg", POLICY)


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03" + b"\0" * 200,  # a Windows program named as a photo
        b"just some text, named photo.jpg",
        b"GIF89a" + b"\0" * 100,  # an image type the policy does not take
    ],
)
def test_a_file_of_another_type_with_an_image_extension_is_refused(data: bytes) -> None:
    with pytest.raises(Refused) as caught:
        inspect(data, "photo.jpg", POLICY)
    assert caught.value.code == "file_type" and caught.value.status == 415
    assert "与扩展名无关" in caught.value.message


def test_a_truncated_photo_is_refused() -> None:
    data = jpeg_with_gps((800, 600))
    with pytest.raises(Refused) as caught:
        inspect(data[: len(data) // 2], "cut.jpg", POLICY)
    assert caught.value.code == "file_damaged" and "损坏或不完整" in caught.value.message


def test_a_header_with_garbage_behind_it_is_refused() -> None:
    with pytest.raises(Refused, match="损坏或不完整"):
        inspect(b"\x89PNG\r\n\x1a\n" + b"\xff" * 500, "x.png", POLICY)


def test_a_pdf_must_be_complete() -> None:
    whole = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert inspect(whole, "回执", POLICY).name == "回执.pdf"
    with pytest.raises(Refused, match="PDF 文档不完整"):
        inspect(whole[:20], "回执.pdf", POLICY)


def test_names_lose_paths_and_control_characters() -> None:
    assert clean_name("../../etc/pa\x00ss.jpg", "image/jpeg") == "pa_ss.jpg"
    assert clean_name("C:\\Users\\me\\现场照片.JPG", "image/jpeg") == "现场照片.jpg"
    assert clean_name("", "application/pdf") == "附件.pdf"
    assert len(clean_name("长" * 500 + ".png", "image/png")) <= 120


def test_sizes_read_as_people_say_them() -> None:
    assert size_text(10 * 1024 * 1024) == "10 MB"
    assert size_text(1536 * 1024) == "1.5 MB"
    assert size_text(2048) == "2 KB"


def test_the_policy_file_loads_and_names_topics() -> None:
    policy = FilePolicy.from_file()
    assert policy.max_bytes > 0 and "image/jpeg" in policy.allowed_types
    assert policy.needs_photo("环境保护") and not policy.needs_photo("城乡建设")
    assert not policy.needs_photo(None)


def test_a_policy_with_an_unknown_key_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("max_bytes: 10\nmax_byts: 20\n")
    with pytest.raises(ValueError, match="max_byts"):
        FilePolicy.from_file(path)


def test_the_scanner_seam_finds_the_test_file() -> None:
    scanner = EicarScanner()
    assert asyncio.run(scanner.threat(EICAR + b"\n")) == "EICAR-Test-File"
    assert asyncio.run(scanner.threat(png())) is None


def test_the_memory_store_keeps_and_misses() -> None:
    store = MemoryStore()
    asyncio.run(store.put("k", b"abc", "image/png"))
    assert asyncio.run(store.get("k")) == b"abc"
    with pytest.raises(Missing):
        asyncio.run(store.get("other"))
