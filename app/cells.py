"""Cells of the sheets we export (XLSX and CSV): text a spreadsheet would run as a formula
(= + - @, and tab or carriage return first) is prefixed with ' so that it stays text, and
control characters a worksheet cannot hold are dropped."""

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0, and so an XLSX cell, cannot hold (openpyxl refuses it).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: Any) -> Any:
    """The value, with text a spreadsheet would read as a formula made plain text."""
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_line(values: Iterable[Any]) -> str:
    """One CSV line: text neutralised, numbers as they are, None as empty."""
    out = io.StringIO()
    csv.writer(out).writerow(["" if v is None else neutralise(v) for v in values])
    return out.getvalue()
