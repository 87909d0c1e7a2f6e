"""Reading an uploaded sheet (XLSX or CSV) into rows of text, and writing sheets back.

Files are recognised by their content, not their name: an XLSX is a zip holding the workbook
parts; anything else must be text (UTF-8, UTF-8 with BOM, or GBK/GB18030). Cells are read as
text and never evaluated: openpyxl in read-only mode hands back a formula's text ("=…"), not
a result. Every sheet the app writes neutralises formula-looking text (OWASP CSV injection).
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook

from app.cells import neutralise
from app.errors import RuleViolation

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 30_000

# Column key → the headers accepted for it (Chinese as in the template; English codes too).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机号码", "手机", "phone"),
    "branch": ("所在支部", "所在党支部", "支部", "branch"),
    "category": ("党员类别", "类别", "category"),
    "joined_on": ("入党日期", "入党时间", "joined_on"),
    "probationary": ("预备党员", "是否预备党员", "is_probationary", "probationary"),
    "gender": ("性别", "gender"),
}
REQUIRED = ("name", "phone", "branch", "category", "joined_on")
TEMPLATE_HEADERS = ["姓名", "手机号", "所在支部", "党员类别", "入党日期", "预备党员", "性别"]


def sniff(data: bytes) -> str:
    """'xlsx' or 'csv' by content; 422 unsupported_file for anything else."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
        raise RuleViolation(
            "The file is a zip archive but not an Excel workbook (.xlsx).", code="unsupported_file"
        )
    head = data[:4096]
    if b"\x00" in head or data[:4] == b"\xd0\xcf\x11\xe0":
        raise RuleViolation(
            "Upload an Excel workbook (.xlsx) or a CSV file; save old .xls files as .xlsx.",
            code="unsupported_file",
        )
    return "csv"


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RuleViolation(
            "The CSV file is neither UTF-8 nor GBK text.", code="bad_encoding"
        ) from exc


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious .0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _raw_rows(data: bytes, kind: str) -> Iterator[list[Any]]:
    if kind == "xlsx":
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # a damaged workbook: openpyxl raises many kinds
            raise RuleViolation("The workbook cannot be read.", code="unreadable_file") from exc
        try:
            sheet = workbook.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()
    else:
        yield from csv.reader(io.StringIO(decode_csv(data), newline=""))


def read_rows(data: bytes, kind: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(sheet row number, {column key: text}) for every non-empty data row, after the header.

    422 missing_columns when a required header is absent; 422 too_many_rows past MAX_ROWS."""
    rows = _raw_rows(data, kind)
    header: list[str] | None = None
    positions: dict[str, int] = {}
    count = 0
    for number, raw in enumerate(rows, start=1):
        texts = [cell_text(v) for v in raw]
        if header is None:
            if not any(texts):
                continue
            header = texts
            positions = _positions(header)
            continue
        if not any(texts):
            continue
        count += 1
        if count > MAX_ROWS:
            raise RuleViolation(f"A sheet holds at most {MAX_ROWS} members.", code="too_many_rows")
        yield number, {key: texts[i] if i < len(texts) else "" for key, i in positions.items()}
    if header is None:
        raise RuleViolation("The sheet is empty.", code="empty_file")


def _positions(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, text in enumerate(header):
        label = text.replace("*", "").replace("（选填）", "").replace("(选填)", "").strip().lower()
        for key, names in COLUMNS.items():
            if label in names and key not in found:
                found[key] = index
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in found]
    if missing:
        raise RuleViolation(
            "The sheet lacks the columns " + "、".join(missing) + ".",
            code="missing_columns",
            missing=missing,
        )
    return found


def write_xlsx(sheets: Iterable[tuple[str, Iterable[Iterable[Any]]]]) -> bytes:
    """A workbook (write-only, so bounded memory) of the given sheets, text neutralised."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([neutralise(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_csv(rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with BOM (what Excel opens correctly), text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
