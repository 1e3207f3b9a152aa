"""Field names are data too: a JSON key, CSV/sheet header or table header that is itself personal
data (``{"users": {"jane.roe@example.org": {...}}}``, a CSV whose first row is two people's names)
must not become a field name in clear.

:meth:`FieldNamer.name` returns the name unchanged when it is a name, and otherwise a masked form
with the first 16 hex digits of its keyed hash (the installation secret, as for values):
``<j***@e***.org #3f2a9c1be0d4a7f1>``. :meth:`FieldNamer.units` yields the key itself as a "value"
unit (field ``(field name)`` under its parent), so it is classified, reported masked and hashed
like any value, and ``subject find`` finds it.

The test runs per key, so it is cheap and remembered: a shape test first (an ``@`` with a
domain, mostly digits, two to four capitalised words), then, for capitalised words only, the
column-name vocabulary (``First Name``, ``Postal Code`` are names) and a list of common header
words (``Order Total``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from scanner.column_vocab import looks_like_person_name, match_column
from scanner.models import Item, Location, TextUnit
from scanner.settings import Settings

KEY_FIELD = "(field name)"
HASH_CHARS = 16
MEMO_MAX = 65536

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_DIGIT = re.compile(r"\d")
# Words that make a capitalised header a header, not a person ("Order Total", "Start Date").
_HEADER_WORDS = """
account active added address age amount app approved area balance bank batch bill billing
birth branch brand budget card category cell channel check city class client close closed code
comment comments company contact content cost count country created credit currency current
customer data date day days debit default delivery department description detail details
device discount district division due duration email employee end entry event expense expiry
external family fax fee field file final first flag form free from full gender given grade
gross group header hire home hour hours id income index info information internal invoice item
items job key kind label language last left level limit line link list location login mail
main manager margin member message method middle mobile mode model month name net new next note
notes number office old open order other owner page paid parent part password payment period
phone place plan point position post postal price primary priority product profile project
quantity rank rate reason record reference region remarks report request required result
revenue review right role row sales salary score second section sector sent serial service
session sex shipping short size source start state status street sub subject summary supplier
tag target task tax team text time title to total town type unit updated url user value vendor
version week weight work year zip
"""
HEADER_WORDS = frozenset(_HEADER_WORDS.split())


def looks_like_value(key: str) -> bool:
    """True when ``key`` looks like a value rather than a name (see the module docstring)."""
    if len(key) < 3:
        return False
    if "@" in key and _EMAIL.search(key):
        return True
    if _DIGIT.search(key):
        digits = sum(c.isdigit() for c in key)
        return digits >= 6 and digits * 2 >= len(key)  # a phone, card, IP, date, device id
    if " " not in key.strip():
        return False
    if not looks_like_person_name(key.strip()):
        return False
    if any(w.lower().strip(".'-") in HEADER_WORDS for w in key.split()):
        return False
    return match_column(key) is None


def _guess_entity(key: str) -> str:
    if "@" in key and _EMAIL.search(key):
        return "EMAIL_ADDRESS"
    if _DIGIT.search(key):
        return "PHONE_NUMBER"  # masks every digit but the last two
    return "PERSON"


class FieldNamer:
    """Safe field names for one extraction (the decisions are remembered per process)."""

    _memos: ClassVar[dict[Path, dict[str, str]]] = {}
    _secrets: ClassVar[dict[Path, bytes]] = {}

    def __init__(self, settings: Settings) -> None:
        from scanner.settings import default_data_dir

        self._dir = settings.data_dir or default_data_dir()
        self._memo = FieldNamer._memos.setdefault(self._dir, {})

    def _secret(self) -> bytes:
        from scanner.redact import load_or_create_secret

        secret = FieldNamer._secrets.get(self._dir)
        if secret is None:
            secret = FieldNamer._secrets[self._dir] = load_or_create_secret(self._dir)
        return secret

    def is_value(self, key: str) -> bool:
        return self.name(key) != key

    def name(self, key: str) -> str:
        """``key`` itself, or its masked form and keyed hash when it looks like a value."""
        memo = self._memo
        safe = memo.get(key)
        if safe is not None:
            return safe
        if looks_like_value(key):
            from scanner.redact import mask, value_hash

            entity = _guess_entity(key)
            digest = value_hash(self._secret(), entity, key)[:HASH_CHARS]
            safe = f"<{mask(entity, key)} #{digest}>"
        else:
            safe = key
        if len(memo) >= MEMO_MAX:
            memo.clear()
        memo[key] = safe
        return safe

    def units(self, item: Item, key: str, line: int | None, record: str | None,
              parent: str | None = None) -> Iterator[TextUnit]:
        """The key as a "value" unit when it is one (nothing otherwise)."""
        if self.is_value(key):
            field = f"{parent}.{KEY_FIELD}" if parent else KEY_FIELD
            yield TextUnit(Location(item.uri, line, field), key, "value", record,
                           item.source_kind)
