"""connectors/extract/sheet_values.py against the openpyxl functions it replaces (openpyxl is a
dependency: the workbench writes its Record of Processing with it)."""

from __future__ import annotations

import random

import pytest
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.styles.numbers import is_date_format as openpyxl_is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900
from openpyxl.utils.datetime import from_excel as openpyxl_from_excel

from connectors.extract.sheet_values import (
    MAC_EPOCH,
    WINDOWS_EPOCH,
    column_letter,
    from_excel,
    is_date_format,
)

FORMATS = [
    # (format code, shows a date or time)
    ("yyyy-mm-dd", True),
    ("dd/mm/yyyy hh:mm", True),
    ("[h]:mm:ss", True),
    ("[mm]:ss", True),
    ("mmm-yy", True),
    ('d "days"', True),
    ("General", False),
    ("0.00", False),
    ("#,##0", False),
    ('"Day" 0', False),  # the d is quoted
    ("[Red]0.00", False),  # a colour, not a date
    ("[$-409]#,##0", False),  # a locale
    ("0.00;[Red]-0.00", False),
    ("0;yyyy", False),  # only the first section counts
    ("\\d 0", False),  # an escaped d
    ("_d0", False),
    ("", False),
]


@pytest.mark.parametrize(("fmt", "expected"), FORMATS, ids=[f[0] or "empty" for f in FORMATS])
def test_date_formats(fmt: str, expected: bool) -> None:
    assert is_date_format(fmt) is expected
    assert openpyxl_is_date_format(fmt) is expected


def test_every_builtin_format_and_random_codes_agree() -> None:
    rng = random.Random(7)
    alphabet = 'dmyhsDMYHS0#.,;:"[]$-_\\ /@%ERb'
    codes = [*BUILTIN_FORMATS.values(), None]
    codes += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(5000)]
    assert [is_date_format(c) for c in codes] == [openpyxl_is_date_format(c) for c in codes]


def test_the_epochs_are_openpyxls() -> None:
    assert (WINDOWS_EPOCH, MAC_EPOCH) == (CALENDAR_WINDOWS_1900, CALENDAR_MAC_1904)


SERIALS = [0, 0.5, 0.999999, 0.9999999999, 1, 1.25, 59, 59.75, 60, 60.5, 61, 45000, 45000.123456,
           2958465.999, -1, -0.5, 1e-9]


@pytest.mark.parametrize("epoch", [WINDOWS_EPOCH, MAC_EPOCH], ids=["1900", "1904"])
def test_serials(epoch) -> None:
    rng = random.Random(11)
    values = SERIALS + [rng.uniform(-100, 3e6) for _ in range(3000)] + [
        rng.randint(0, 100000) for _ in range(500)] + [rng.random() for _ in range(500)]
    for v in values:
        try:
            want = openpyxl_from_excel(v, epoch)
        except (ValueError, OverflowError) as exc:
            with pytest.raises(type(exc)):
                from_excel(v, epoch)
            continue
        got = from_excel(v, epoch)
        assert (type(got), got) == (type(want), want), v


def test_column_letters() -> None:
    assert [column_letter(i) for i in (1, 26, 27, 52, 53, 702, 703, 16384, 18278)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD", "ZZZ"]
    assert [column_letter(i) for i in range(1, 18279)] == [
        get_column_letter(i) for i in range(1, 18279)]
    for bad in (0, -1, 18279):
        with pytest.raises(ValueError):
            column_letter(bad)
        with pytest.raises(ValueError):
            get_column_letter(bad)
