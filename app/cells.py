"""Cells of the sheets we export (XLSX and CSV): text a spreadsheet would run as a formula
(= + - @, and tab or carriage return first) is prefixed with ' so that it stays text."""

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The value, with text a spreadsheet would read as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_line(values: Iterable[Any]) -> str:
    """One CSV line: text neutralised, numbers as they are, None as empty."""
    out = io.StringIO()
    csv.writer(out).writerow(["" if v is None else neutralise(v) for v in values])
    return out.getvalue()
