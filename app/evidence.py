"""Checks claim evidence files by their content and names them safely for download."""

import asyncio
import hashlib
import io
import re
import struct
import unicodedata
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

import pillow_heif
from PIL import Image

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 12_000
# Decoded size as the header declares it (width x height x channels x bytes per sample): 40
# megapixels of 8-bit colour, so more channels or 16-bit samples mean fewer pixels.
MAX_DECODED_BYTES = 120_000_000
# Decompressed PDF streams scanned for active content; past this the file cannot be checked.
MAX_PDF_SCAN_BYTES = 64 * 1024 * 1024
MAX_DOWNLOAD_NAME_CHARS = 100

# Brands that mark an ISO-BMFF file as HEIC/HEIF. AVIF shares the container (and lists mif1
# among its compatible brands), so only the major brand decides.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_PDF_MAGIC_WITHIN = 8
_PDF_EOF_WITHIN = 2048

_ACCEPTED = "JPEG, PNG, WebP or HEIC/HEIF images, or PDF documents"

# Registering adds a Pillow plugin for the whole process; Image.open below is always told the
# exact format, so no other code path starts accepting HEIF because of it.
pillow_heif.register_heif_opener()

RejectionCode = Literal[
    "file_empty",
    "file_too_large",
    "unsupported_file_type",
    "image_too_large",
    "file_corrupt",
    "pdf_active_content",
]


class EvidenceRejected(Exception):
    """An uploaded evidence file that may not be kept; `code` is stable, `detail` is for people."""

    def __init__(self, code: RejectionCode, detail: str) -> None:
        super().__init__(detail)
        self.code: RejectionCode = code
        self.detail = detail


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int
    sha256: str
    width: int | None
    height: int | None


@dataclass(frozen=True)
class _Kind:
    pillow_format: str | None  # None: not an image (PDF)
    content_type: str
    extension: str
    label: str


_JPEG = _Kind("JPEG", "image/jpeg", "jpg", "JPEG image")
_PNG = _Kind("PNG", "image/png", "png", "PNG image")
_WEBP = _Kind("WEBP", "image/webp", "webp", "WebP image")
_HEIC = _Kind("HEIF", "image/heic", "heic", "HEIC image")
_HEIF = _Kind("HEIF", "image/heif", "heif", "HEIF image")
_PDF = _Kind(None, "application/pdf", "pdf", "PDF document")


def _sniff(data: bytes) -> _Kind | None:
    if data.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _WEBP
    if data[4:8] == b"ftyp" and len(data) >= 12:
        major = data[8:12]
        if major in _HEIC_BRANDS:
            return _HEIC
        if major in _HEIF_BRANDS:
            return _HEIF
        return None
    if b"%PDF-" in data[:_PDF_MAGIC_WITHIN]:
        return _PDF
    return None


def inspect(data: bytes) -> CheckedFile:
    """Decide what the file is from its bytes alone; raise EvidenceRejected if it is not allowed.

    CPU-bound (images are decoded once to prove they are whole): call it through
    `inspect_async` from async code.
    """
    size = len(data)
    if size == 0:
        raise EvidenceRejected("file_empty", "The file is empty.")
    if size > MAX_EVIDENCE_BYTES:
        raise EvidenceRejected(
            "file_too_large",
            f"The file is {size} bytes; evidence files may be at most 5 MiB "
            f"({MAX_EVIDENCE_BYTES} bytes).",
        )
    kind = _sniff(data)
    if kind is None:
        raise EvidenceRejected(
            "unsupported_file_type",
            f"Only {_ACCEPTED} are accepted, and this file's content is none of these "
            "(its name or declared type does not count).",
        )
    if kind.pillow_format is None:
        _check_pdf(data)
        width = height = None
    else:
        width, height = _check_image(data, kind)
    return CheckedFile(
        content_type=kind.content_type,
        extension=kind.extension,
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
    )


# Two decodes at a time, always on the same two threads: the semaphore keeps waiting uploads
# from queueing work, and a thread of its own pool keeps the memory a decode freed for the next
# one instead of every worker thread of the default pool keeping its own.
DECODE_CONCURRENCY = 2
_DECODING = asyncio.Semaphore(DECODE_CONCURRENCY)
_DECODERS = ThreadPoolExecutor(max_workers=DECODE_CONCURRENCY, thread_name_prefix="evidence")


async def inspect_async(data: bytes) -> CheckedFile:
    async with _DECODING:
        return await asyncio.get_running_loop().run_in_executor(_DECODERS, inspect, data)


def _corrupt(kind: _Kind) -> EvidenceRejected:
    return EvidenceRejected(
        "file_corrupt",
        f"The file looks like a {kind.label} but could not be read in full; "
        "it may be damaged or incomplete.",
    )


def _too_large(width: int | None = None, height: int | None = None) -> EvidenceRejected:
    limits = (
        f"images may be at most {MAX_IMAGE_SIDE} pixels on a side and "
        f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels in all"
    )
    if width is None or height is None:
        return EvidenceRejected(
            "image_too_large", f"The image's dimensions are too large; {limits}."
        )
    return EvidenceRejected("image_too_large", f"The image is {width}x{height} pixels; {limits}.")


def _over_budget(width: int, height: int, decoded: int) -> EvidenceRejected:
    return EvidenceRejected(
        "image_too_large",
        f"The image is {width}x{height} pixels and would take {decoded // 1_000_000} MB to "
        f"decode (its channels and bit depth count); images may take at most "
        f"{MAX_DECODED_BYTES // 1_000_000} MB.",
    )


# PNG colour type -> channels (grey, RGB, palette, grey+alpha, RGBA).
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _decoded_bytes(data: bytes, kind: _Kind, im: Image.Image) -> int:
    """What decoding the image would take, from its header alone."""
    width, height = im.size
    channels = len(im.getbands())
    bits = 8
    if kind is _PNG:
        # Pillow reports a 16-bit RGBA PNG as plain RGBA, so the depth is read from IHDR.
        if data[12:16] != b"IHDR":
            raise _corrupt(kind)
        bits, colour = struct.unpack(">BB", data[24:26])
        channels = _PNG_CHANNELS.get(colour, 4)
    elif kind in (_HEIC, _HEIF):
        bits = int(im.info.get("bit_depth") or 8)
    else:
        bits = int(getattr(im, "bits", 8) or 8)
    return width * height * channels * (2 if bits > 8 else 1)


def _check_image(data: bytes, kind: _Kind) -> tuple[int, int]:
    assert kind.pillow_format is not None
    formats = [kind.pillow_format]
    # Parsers of hostile input fail in many ways (OSError, SyntaxError, ValueError,
    # struct.error, ...); any failure means the file is not a whole image of its kind.
    try:
        # open() only reads the header, so the declared size is known before any pixel is
        # decoded. Pillow raises DecompressionBombError itself for absurd sizes; the warning
        # it emits below that is caught too in case warnings are turned into errors. Our own
        # limits are lower than Pillow's, so the global Image.MAX_IMAGE_PIXELS is left alone.
        with Image.open(io.BytesIO(data), formats=formats) as im:
            width, height = im.size
            _check_dimensions(width, height)
            decoded = _decoded_bytes(data, kind, im)
            if decoded > MAX_DECODED_BYTES:
                raise _over_budget(width, height, decoded)
            im.verify()
        # verify() checks structure (PNG chunk CRCs, for one) but leaves JPEG scans and the
        # HEVC payload unread, so decode once; the image must be reopened after verify().
        with Image.open(io.BytesIO(data), formats=formats) as im:
            if kind is _JPEG:
                # A scaled-down decode still reads every scan, so truncation is caught while
                # memory stays at 1/64 of the full image.
                im.draft(im.mode, (1, 1))
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large() from None
    except EvidenceRejected:
        raise
    except Exception as exc:
        raise _corrupt(kind) from exc
    return width, height


def _check_dimensions(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise EvidenceRejected("file_corrupt", "The image declares no pixels.")
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise _too_large(width, height)


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-_PDF_EOF_WITHIN:]:
        raise _corrupt(_PDF)
    found = _active_names(data)
    if found:
        raise EvidenceRejected(
            "pdf_active_content",
            "PDF documents with scripts, automatic actions, launched programs, attached files "
            f"or encryption are not accepted (found: {', '.join(sorted(found))}); "
            "print or export it to a plain PDF first.",
        )


# Names that make a reader act on opening or on a click (scripts, actions, programs), carry
# files, or (encryption) hide the rest of the document from this check.
_ACTIVE_NAMES = frozenset(
    {
        b"JavaScript",
        b"JS",
        b"OpenAction",
        b"AA",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"Encrypt",
    }
)
# A PDF name: a solidus and regular characters up to the next white space or delimiter.
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# A stream's dictionary (from its object's start) up to the first byte of its data.
_PDF_STREAM = re.compile(rb"obj((?:(?!obj).){0,2000}?)stream\r?\n", re.DOTALL)


def _names(data: bytes) -> set[bytes]:
    # "/J#61vaScript" is "/JavaScript" to a reader.
    return {
        _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        for match in _PDF_NAME.finditer(data)
    }


def _active_names(data: bytes) -> set[str]:
    """Active names in the file's bytes and in its Flate streams other than images (object
    streams hold whole dictionaries compressed)."""
    found = _names(data) & _ACTIVE_NAMES
    budget = MAX_PDF_SCAN_BYTES
    view = memoryview(data)
    for match in _PDF_STREAM.finditer(data):
        dictionary = _names(match.group(1))
        if b"FlateDecode" not in dictionary:
            continue
        if b"Image" in dictionary and b"ObjStm" not in dictionary:
            continue
        try:
            inflated = zlib.decompressobj().decompress(view[match.end() :], budget + 1)
        except zlib.error:
            continue  # a damaged stream: a reader cannot use it either
        budget -= len(inflated)
        if budget < 0:
            raise EvidenceRejected(
                "pdf_active_content",
                "The PDF document holds too much compressed content to be checked for "
                "scripts; print or export it to a smaller plain PDF first.",
            )
        found |= _names(inflated) & _ACTIVE_NAMES
    return {name.decode("ascii", "replace") for name in found}


_UNSAFE_NAME_CHARS = re.compile(r"[\"'`<>:|?*;\\/]")
_TRAILING_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_WHITESPACE = re.compile(r"\s+")


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    # Category C covers control characters and also format characters such as U+202E
    # (right-to-left override), which can make "gpj.exe" display as "exe.jpg".
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE_NAME_CHARS.sub("", name)
    return _WHITESPACE.sub(" ", name).strip(" .")


def safe_download_name(original: str | None, extension: str) -> str:
    """A download filename from the uploader's name, ending in the extension found by content."""
    extension = extension.lower()
    if not re.fullmatch(r"[a-z0-9]{1,10}", extension):
        raise ValueError(f"invalid extension {extension!r}")
    fallback = f"evidence.{extension}"
    if not original:
        return fallback
    # Path parts are dropped before anything else so "../../x.jpg" cannot leave "....x".
    base = re.split(r"[\\/]", original)[-1]
    stem = _TRAILING_EXTENSION.sub("", _clean_name(base))
    stem = stem[: MAX_DOWNLOAD_NAME_CHARS - len(extension) - 1].rstrip(" .")
    if not stem:
        return fallback
    return f"{stem}.{extension}"


def content_disposition(disposition: str, filename: str) -> str:
    """A Content-Disposition value with an ASCII `filename` and an RFC 5987 `filename*`.

    A PDF (a name ending in .pdf: stored names end in the extension found by content) is
    always an attachment, so no browser's PDF viewer renders it in the site's origin."""
    if disposition not in ("inline", "attachment"):
        raise ValueError(f"invalid disposition {disposition!r}")
    # Cleaning again here keeps CR/LF and quotes out of the header whatever the caller passed.
    filename = _clean_name(re.split(r"[\\/]", filename)[-1]) or "evidence"
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    if extension.lower() == _PDF.extension:
        disposition = "attachment"
    decomposed = unicodedata.normalize("NFKD", stem)
    ascii_stem = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # NFKD maps fullwidth quotes and backslashes to ASCII ones, so clean once more.
    ascii_stem = _UNSAFE_NAME_CHARS.sub("", ascii_stem).strip(" .")
    # Accents fold away ("café" -> "cafe"); anything else non-ASCII (Chinese, say) has no
    # faithful ASCII form, so the fallback becomes a neutral name rather than leftovers.
    if not ascii_stem.isascii() or not ascii_stem:
        ascii_stem = "evidence"
    ascii_extension = extension if extension.isascii() else ""
    ascii_name = f"{ascii_stem}.{ascii_extension}" if ascii_extension else ascii_stem
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
