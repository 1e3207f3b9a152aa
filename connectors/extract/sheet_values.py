"""The three pieces of openpyxl the spreadsheet extractor used, written out: whether a number
format shows a date, a serial number as a date or time, a column number as letters.

Importing any module of openpyxl imports the whole package (workbook, charts, numpy): 0.2-0.3 s
of CPU in every worker process at its first spreadsheet, for three small functions. These follow
openpyxl 3.1 (``styles.numbers.is_date_format``, ``utils.datetime.from_excel``,
``utils.cell.get_column_letter``) line for line; tests/connectors/extract/test_sheet_values.py
compares them with openpyxl's on tables and on random values.
"""

from __future__ import annotations

import datetime
import re

WINDOWS_EPOCH = datetime.datetime(1899, 12, 30)  # serial 0 of the 1900 date system
MAC_EPOCH = datetime.datetime(1904, 1, 1)  # serial 0 of the 1904 date system
_SECONDS_PER_DAY = 86400

# Quoted literals and bracketed locale/colour codes do not make a format a date format; the
# elapsed-time brackets [h], [mm], [ss] do.
_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_CODE = re.compile(r"(?<![_\\])[dmhysDMHYS]")


def is_date_format(fmt: str | None) -> bool:
    """Whether a number format code shows the number as a date or time (its first section, a
    ``d m h y s`` code not escaped by ``\\`` or ``_``)."""
    if fmt is None:
        return False
    return _DATE_CODE.search(_STRIP.sub("", fmt.split(";")[0])) is not None


def from_excel(value: float, epoch: datetime.datetime = WINDOWS_EPOCH
               ) -> datetime.datetime | datetime.time:
    """An Excel serial date as a datetime (to the millisecond); below 1, a time of day. In the
    1900 system serials under 60 are a day off (Excel counts a 29 February 1900)."""
    day, fraction = divmod(value, 1)
    diff = datetime.timedelta(milliseconds=round(fraction * _SECONDS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return datetime.time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + datetime.timedelta(days=day) + diff


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def column_letter(index: int) -> str:
    """The letters of 1-based column ``index`` (1 -> A, 27 -> AA, 16384 -> XFD)."""
    if not 1 <= index <= 18278:
        raise ValueError(f"Invalid column index {index}")
    out = ""
    while index:
        index, rest = divmod(index - 1, 26)
        out = _LETTERS[rest] + out
    return out
