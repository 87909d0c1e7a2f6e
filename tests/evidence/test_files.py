"""Evidence files: type decided by content, limits, safe names, and local storage."""

import asyncio
import hashlib
import io
import os
import struct
import threading
import time
import warnings
import zlib
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from app import evidence
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


def _png_declaring(width: int, height: int, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    """A tiny, well-formed PNG whose header claims the given size (its data is one row);
    8-bit greyscale unless told (colour type 6 is RGBA)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
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


def test_16_bit_rgba_png_over_the_decode_budget_is_refused_before_decoding() -> None:
    # Under 40 megapixels, but 8 bytes a pixel: 320 MB to decode from a file of a few bytes.
    bomb = _png_declaring(6_320, 6_320, bit_depth=16, colour_type=6)
    assert len(bomb) < 200
    started = time.perf_counter()
    with pytest.raises(EvidenceRejected) as caught:
        inspect(bomb)
    assert time.perf_counter() - started < 1.0
    assert caught.value.code == "image_too_large"
    assert "6320x6320" in caught.value.detail and "319 MB" in caught.value.detail


def test_channels_and_bit_depth_shrink_the_pixels_an_image_may_have() -> None:
    # 6,000 x 6,000 is 36 megapixels: 144 MB as 8-bit RGBA, 216 MB as 16-bit RGB.
    assert _rejection(_png_declaring(6_000, 6_000, colour_type=6)) == "image_too_large"
    assert _rejection(_png_declaring(6_000, 6_000, 16, colour_type=2)) == "image_too_large"


def test_a_16_bit_image_within_the_budget_is_decoded() -> None:
    # 16-bit grey of 100 x 100: 20 kB decoded, so it is read (and found to lack rows).
    assert _rejection(_png_declaring(100, 100, bit_depth=16)) == "file_corrupt"


async def test_decodes_run_two_at_a_time_on_two_threads_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running = 0
    most = 0
    threads: set[str] = set()
    lock = threading.Lock()

    def slow_inspect(data: bytes) -> CheckedFile:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            threads.add(threading.current_thread().name)
        time.sleep(0.02)
        with lock:
            running -= 1
        return inspect(data)

    monkeypatch.setattr(evidence, "inspect", slow_inspect)
    data = _photo("PNG")
    results = await asyncio.gather(*(inspect_async(data) for _ in range(12)))
    assert {r.sha256 for r in results} == {hashlib.sha256(data).hexdigest()}
    assert most <= evidence.DECODE_CONCURRENCY
    # Not the default pool's threads: each thread that decodes keeps the memory it freed, so
    # decodes spread over many threads grow the process by a decode's size per thread.
    assert len(threads) <= evidence.DECODE_CONCURRENCY
    assert all(name.startswith("evidence") for name in threads), threads


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


# Active content in PDFs


def _pdf_with(catalog: bytes, *objects: bytes) -> bytes:
    """A one-catalog PDF with extra catalog entries and extra objects (numbered from 3)."""
    body = b"".join(b"%d 0 obj " % (n + 3) + o + b" endobj\n" for n, o in enumerate(objects))
    return (
        b"%PDF-1.7\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R " + catalog + b" >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        + body
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _stream(dictionary: bytes, content: bytes) -> bytes:
    return (
        b"<< " + dictionary + b" /Length %d >> stream\n" % len(content) + content + b"\nendstream"
    )


@pytest.mark.parametrize(
    "catalog",
    [
        b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        b"/OpenAction 3 0 R",
        b"/AA << /WC << /S /Launch /F (cmd.exe) >> >>",
        b"/Names << /JavaScript << /Names [(a) 3 0 R] >> >>",
        b"/Names << /EmbeddedFiles << /Names [(invoice.exe) 3 0 R] >> >>",
    ],
)
def test_pdf_with_scripts_actions_or_attachments_is_refused(catalog: bytes) -> None:
    assert _rejection(_pdf_with(catalog)) == "pdf_active_content"


@pytest.mark.parametrize("name", [b"JS", b"Launch", b"EmbeddedFile", b"AA", b"JavaScript"])
def test_pdf_with_an_active_name_in_any_object_is_refused(name: bytes) -> None:
    assert _rejection(_pdf_with(b"", b"<< /Type /Action /" + name + b" 4 0 R >>")) == (
        "pdf_active_content"
    )


def test_pdf_active_name_spelt_with_hex_escapes_is_refused() -> None:
    # /J#61vaScript and /Open#41ction are /JavaScript and /OpenAction to a reader.
    assert _rejection(_pdf_with(b"/Open#41ction << /S /J#61vaScript >>")) == "pdf_active_content"


def test_pdf_active_content_hidden_in_a_compressed_object_stream_is_refused() -> None:
    hidden = zlib.compress(b"4 0 << /S /JavaScript /JS (app.alert(1)) >>")
    objstm = _stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", hidden)
    assert _rejection(_pdf_with(b"/OpenActio#6e 4 0 R", objstm)) == "pdf_active_content"
    assert _rejection(_pdf_with(b"", objstm)) == "pdf_active_content"


def test_pdf_rejection_names_what_was_found() -> None:
    with pytest.raises(EvidenceRejected) as caught:
        inspect(_pdf_with(b"/OpenAction << /S /JavaScript /JS (x) >>"))
    assert "JavaScript" in caught.value.detail and "OpenAction" in caught.value.detail


def test_plain_pdf_with_compressed_pages_is_accepted() -> None:
    # Names that merely start like an active one (/JSON, /AAA) and text about them are fine.
    page = zlib.compress(b"BT /F1 12 Tf (see /JSON and /AAA) Tj ET")
    data = _pdf_with(b"/Lang (zh-CN) /JSON 1", _stream(b"/Filter /FlateDecode", page))
    assert inspect(data).content_type == "application/pdf"


def test_pdf_with_more_compressed_content_than_can_be_checked_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evidence, "MAX_PDF_SCAN_BYTES", 1000)
    page = zlib.compress(b" " * 2000)
    assert _rejection(_pdf_with(b"", _stream(b"/Filter /FlateDecode", page))) == (
        "pdf_active_content"
    )


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


def test_content_disposition_of_a_pdf_is_always_attachment() -> None:
    assert content_disposition("inline", "证明.pdf").startswith(
        'attachment; filename="evidence.pdf";'
    )
    assert content_disposition("inline", "SCAN.PDF").startswith("attachment;")
    assert content_disposition("inline", "photo.jpg").startswith("inline;")


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


def _partial(folder: Path, name: str, age_seconds: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"half a photo")
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))
    return path


async def test_partial_files_left_by_dead_writes_are_removed(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    month = tmp_path / "evidence" / "2026" / "11"
    stale = _partial(month, ".tmp-abc.part", age_seconds=3600)
    fresh = _partial(month, ".tmp-def.part", age_seconds=1)  # a write still going on
    kept = _partial(month, "0123.jpg", age_seconds=3600)
    outside = _partial(tmp_path.parent / f"{tmp_path.name}-outside", ".tmp-x.part", 3600)
    os.symlink(outside.parent, tmp_path / "link")
    assert await store.remove_partial_files() == 1
    assert not stale.exists()
    assert fresh.exists() and kept.exists() and outside.exists()


async def test_partial_files_are_removed_when_the_server_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gc

    from app.main import app
    from app.runtime import lifespan

    monkeypatch.setattr(settings, "data_dir", tmp_path)
    get_storage.cache_clear()
    try:
        stale = _partial(tmp_path / "files" / "evidence" / "2026" / "11", ".tmp-1.part", 3600)
        async with lifespan(app):
            assert not stale.exists()
    finally:
        gc.unfreeze()
        get_storage.cache_clear()
