"""Spreadsheet-safe CSV and Excel cells, shared by every export of the portal.

A spreadsheet runs a cell that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
return): every text cell that does is prefixed with ``'``. Numbers and dates stay typed. An Excel
file cannot hold control characters at all: they are left out of its cells.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def excel_cell(value: Any) -> Any:
    """A value an Excel cell can hold: control characters left out, formulas made inert."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralised(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(headers: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text, one line at a time (for a streaming response)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(headers)
    for cells in rows:
        yield writer.writerow(
            [
                ""
                if cell is None
                else neutralised(cell.isoformat(sep=" ", timespec="minutes"))
                if isinstance(cell, datetime)
                else neutralised(cell)
                for cell in cells
            ]
        )
