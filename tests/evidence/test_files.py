"""Evidence files: type decided by content, limits, safe names, and local storage."""

import hashlib
import io
import os
import struct
import time
import warnings
import zlib
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from app.config import settings
from app.evidence import (
    MAX_EVIDENCE_BYTES,
    CheckedFile,
    EvidenceRejected,
    content_disposition,
    inspect,
    inspect_async,
    safe_download_name,
)
from app.storage import LocalStorage, get_storage, new_key


def _photo(fmt: str, size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    # Noise rather than a flat colour, so the encoded data has real content to truncate.
    image = Image.effect_noise(size, 40).convert("RGB")
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _chunk_box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body) + 8) + kind + body


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims the given size (its data is one row)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def _rejection(data: bytes) -> str:
    with pytest.raises(EvidenceRejected) as caught:
        inspect(data)
    assert caught.value.detail
    assert str(caught.value) == caught.value.detail
    return caught.value.code


# Accepted kinds


def test_jpeg_is_accepted_with_its_dimensions_and_hash() -> None:
    data = _photo("JPEG")
    checked = inspect(data)
    assert checked.content_type == "image/jpeg"
    assert checked.extension == "jpg"
    assert (checked.width, checked.height) == (64, 48)
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_png_is_accepted() -> None:
    checked = inspect(_photo("PNG", (30, 20)))
    assert (checked.content_type, checked.extension) == ("image/png", "png")
    assert (checked.width, checked.height) == (30, 20)


def test_webp_is_accepted() -> None:
    checked = inspect(_photo("WEBP", (40, 10)))
    assert (checked.content_type, checked.extension) == ("image/webp", "webp")
    assert (checked.width, checked.height) == (40, 10)


def test_heic_is_accepted() -> None:
    # The installed pillow-heif ships an HEVC encoder (x265), so a real HEIC is made here.
    assert pillow_heif.libheif_info()["HEIF"], "pillow-heif has no HEIC encoder"
    data = _photo("HEIF", (32, 24))
    assert data[4:12] == b"ftypheic"
    checked = inspect(data)
    assert (checked.content_type, checked.extension) == ("image/heic", "heic")
    assert (checked.width, checked.height) == (32, 24)


def test_pdf_is_accepted_without_dimensions() -> None:
    checked = inspect(_pdf())
    assert checked == CheckedFile(
        content_type="application/pdf",
        extension="pdf",
        size=len(_pdf()),
        sha256=checked.sha256,
        width=None,
        height=None,
    )


def test_pdf_marker_may_follow_a_few_leading_bytes() -> None:
    assert inspect(b"\xef\xbb\xbf" + _pdf()).content_type == "application/pdf"


async def test_inspect_async_gives_the_same_answer() -> None:
    data = _photo("PNG")
    assert await inspect_async(data) == inspect(data)


async def test_inspect_async_raises_the_same_rejection() -> None:
    with pytest.raises(EvidenceRejected) as caught:
        await inspect_async(b"")
    assert caught.value.code == "file_empty"


# Type by content, never by name


def test_php_renamed_jpg_is_refused() -> None:
    assert _rejection(b"<?php system($_GET['c']); ?>") == "unsupported_file_type"


def test_html_is_refused() -> None:
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    assert _rejection(html) == "unsupported_file_type"


def test_svg_is_refused() -> None:
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(1)</script></svg>"
    )
    assert _rejection(svg) == "unsupported_file_type"


def test_other_image_formats_are_refused() -> None:
    assert _rejection(_photo("GIF")) == "unsupported_file_type"
    assert _rejection(_photo("BMP")) == "unsupported_file_type"


def test_avif_in_a_heif_container_is_refused() -> None:
    ftyp = _chunk_box(b"ftyp", b"avif" + b"\x00\x00\x00\x00" + b"mif1miafavif")
    assert _rejection(ftyp + b"\x00" * 64) == "unsupported_file_type"


def test_pdf_marker_late_in_the_file_is_refused() -> None:
    assert _rejection(b"<html>  %PDF-1.4\n%%EOF\n") == "unsupported_file_type"


# Limits


def test_empty_file_is_refused() -> None:
    assert _rejection(b"") == "file_empty"


def test_file_over_5_mib_is_refused() -> None:
    data = _pdf() + b"\x00" * (MAX_EVIDENCE_BYTES + 1 - len(_pdf()))
    assert len(data) == MAX_EVIDENCE_BYTES + 1
    assert _rejection(data) == "file_too_large"


def test_file_of_exactly_5_mib_is_allowed_by_size() -> None:
    body = b"%PDF-1.4\n"
    data = body + b"\x00" * (MAX_EVIDENCE_BYTES - len(body) - 6) + b"%%EOF\n"
    assert len(data) == MAX_EVIDENCE_BYTES
    assert inspect(data).size == MAX_EVIDENCE_BYTES


def test_png_bomb_is_refused_without_decoding() -> None:
    bomb = _png_declaring(60_000, 60_000)
    assert len(bomb) < 200
    started = time.perf_counter()
    assert _rejection(bomb) == "image_too_large"
    assert time.perf_counter() - started < 1.0


def test_image_over_40_megapixels_is_refused() -> None:
    # 7000x7000 is under Pillow's own bomb threshold, so our limit must catch it.
    assert _rejection(_png_declaring(7_000, 7_000)) == "image_too_large"


def test_image_wider_than_12000_pixels_is_refused() -> None:
    assert _rejection(_png_declaring(12_001, 10)) == "image_too_large"


def test_image_in_pillows_warning_range_is_refused() -> None:
    # 10000x10000 passes the side limit and sits where Pillow only warns about a bomb.
    with pytest.warns(Image.DecompressionBombWarning):
        assert _rejection(_png_declaring(10_000, 10_000)) == "image_too_large"


def test_bomb_warning_turned_into_an_error_is_still_image_too_large() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert _rejection(_png_declaring(10_000, 10_000)) == "image_too_large"


def test_image_too_large_detail_names_the_size() -> None:
    with pytest.raises(EvidenceRejected) as caught:
        inspect(_png_declaring(12_001, 10))
    assert "12001x10" in caught.value.detail


# Damaged files


def test_truncated_jpeg_is_refused() -> None:
    data = _photo("JPEG", (400, 300), quality=90)
    assert _rejection(data[: len(data) // 2]) == "file_corrupt"


def test_truncated_png_is_refused() -> None:
    data = _photo("PNG", (200, 100))
    assert _rejection(data[: len(data) // 2]) == "file_corrupt"


def test_truncated_webp_is_refused() -> None:
    data = _photo("WEBP", (200, 100))
    assert _rejection(data[: len(data) // 2]) == "file_corrupt"


def test_truncated_heic_is_refused() -> None:
    data = _photo("HEIF", (64, 64))
    assert _rejection(data[: len(data) - 40]) == "file_corrupt"


def test_png_with_a_bad_crc_is_refused() -> None:
    data = bytearray(_photo("PNG"))
    data[30] ^= 0xFF  # inside the IHDR body, so its CRC no longer matches
    assert _rejection(bytes(data)) == "file_corrupt"


def test_jpeg_magic_followed_by_script_is_refused() -> None:
    assert _rejection(b"\xff\xd8\xff<?php system($_GET['c']); ?>") == "file_corrupt"


def test_pdf_without_eof_marker_is_refused() -> None:
    assert _rejection(b"%PDF-1.4\n1 0 obj << >> endobj\n") == "file_corrupt"


def test_pdf_with_eof_marker_far_from_the_end_is_refused() -> None:
    assert _rejection(_pdf() + b" " * 4096) == "file_corrupt"


# Download names


def test_download_name_keeps_chinese_characters() -> None:
    assert safe_download_name("党员活动照片.jpg", "jpg") == "党员活动照片.jpg"


def test_download_name_drops_path_parts_and_quotes() -> None:
    assert safe_download_name('../../etc/"pass"wd.jpg', "jpg") == "passwd.jpg"
    assert safe_download_name("C:\\Users\\me\\photo.jpg", "jpg") == "photo.jpg"


def test_download_name_drops_control_and_bidi_characters() -> None:
    assert safe_download_name("a\r\nb\x00c\u202egpj.exe", "pdf") == "abcgpj.pdf"


def test_download_name_ends_with_the_detected_extension() -> None:
    assert safe_download_name("shell.php", "jpg") == "shell.jpg"
    assert safe_download_name("scan", "pdf") == "scan.pdf"
    assert safe_download_name("IMG_0001.JPG", "jpg") == "IMG_0001.jpg"


def test_download_name_is_capped_at_100_characters() -> None:
    name = safe_download_name("图" * 300 + ".png", "png")
    assert len(name) == 100
    assert name.endswith(".png")


def test_download_name_falls_back_when_nothing_is_left() -> None:
    assert safe_download_name(None, "webp") == "evidence.webp"
    assert safe_download_name("", "jpg") == "evidence.jpg"
    assert safe_download_name("../..", "jpg") == "evidence.jpg"
    assert safe_download_name('""', "pdf") == "evidence.pdf"


def test_download_name_refuses_a_bad_extension() -> None:
    with pytest.raises(ValueError):
        safe_download_name("x", "j/pg")


def test_content_disposition_for_a_chinese_name() -> None:
    assert content_disposition("inline", "图.jpg") == (
        "inline; filename=\"evidence.jpg\"; filename*=UTF-8''%E5%9B%BE.jpg"
    )


def test_content_disposition_for_an_ascii_name() -> None:
    assert content_disposition("attachment", "scan 1.pdf") == (
        "attachment; filename=\"scan 1.pdf\"; filename*=UTF-8''scan%201.pdf"
    )


def test_content_disposition_folds_accents_in_the_fallback() -> None:
    assert content_disposition("inline", "café.png").startswith('inline; filename="cafe.png";')


def test_content_disposition_cannot_be_broken_out_of() -> None:
    header = content_disposition("inline", 'a".jpg\r\nSet-Cookie: x=1; \uff02b.jpg')
    assert "\r" not in header and "\n" not in header
    quoted = header.split("; filename*=")[0].removeprefix("inline; filename=")
    assert quoted.count('"') == 2 and quoted.startswith('"') and quoted.endswith('"')
    assert "\\" not in quoted


def test_content_disposition_refuses_an_unknown_disposition() -> None:
    with pytest.raises(ValueError):
        content_disposition("inline; x=y", "a.jpg")


# Storage


async def test_local_storage_round_trip(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    key = new_key("evidence", "jpg")
    await store.put(key, b"first")
    await store.put(key, b"second")  # replaces
    assert await store.get(key) == b"second"
    path = tmp_path / key
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left
    await store.delete(key)
    assert not path.exists()
    await store.delete(key)  # missing is fine
    with pytest.raises(FileNotFoundError):
        await store.get(key)


async def test_local_storage_missing_key_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await LocalStorage(tmp_path).get("evidence/2026/11/nothing.jpg")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../outside.jpg",
        "evidence/../../outside.jpg",
        "evidence/..",
        "evidence\\..\\outside.jpg",
        "evidence/a\x00.jpg",
        "evidence//a.jpg",
        "evidence/./a.jpg",
    ],
)
async def test_local_storage_traversal_keys_are_refused(tmp_path: Path, key: str) -> None:
    store = LocalStorage(tmp_path / "root")
    with pytest.raises(ValueError):
        await store.put(key, b"x")
    with pytest.raises(ValueError):
        await store.get(key)
    with pytest.raises(ValueError):
        await store.delete(key)
    assert not (tmp_path / "outside.jpg").exists()


async def test_local_storage_refuses_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", root / "evidence")
    with pytest.raises(ValueError):
        await LocalStorage(root).put("evidence/a.jpg", b"x")
    assert not (tmp_path / "elsewhere" / "a.jpg").exists()


def test_new_key_has_the_expected_shape() -> None:
    key = new_key("evidence", "pdf")
    prefix, year, month, name = key.split("/")
    assert prefix == "evidence" and len(year) == 4 and len(month) == 2
    stem, extension = name.split(".")
    assert len(stem) == 32 and extension == "pdf"
    assert new_key("evidence", "pdf") != key
    with pytest.raises(ValueError):
        new_key("evidence", "../x")


def test_get_storage_is_one_local_store_under_the_data_dir() -> None:
    get_storage.cache_clear()
    try:
        store = get_storage()
        assert isinstance(store, LocalStorage)
        assert store.root == (settings.data_dir / "files").resolve()
        assert get_storage() is store
        get_storage.cache_clear()
        assert get_storage() is not store
    finally:
        get_storage.cache_clear()
