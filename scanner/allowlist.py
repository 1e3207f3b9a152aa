"""Allow-lists: values that are never reported (test cards, the switchboard number, role
mailboxes such as ``privacy@example.org``).

The file has one value a line; blank lines and lines starting with ``#`` are ignored::

    # QA test cards
    4111 1111 1111 1111
    +44 20 7946 0000        # the switchboard
    privacy@example.org

Each value is hashed on load with the installation secret, under each of the normal forms of
:func:`scanner.redact.normalize` (e-mail, phone E.164, digits only, IBAN/MAC, lower-case,
case-folded words), so a finding is allowed when its keyed hash — already computed at
redaction — is one of them: ``4111-1111-1111-1111`` in a file is allowed by
``4111 1111 1111 1111`` in the list. The clear values are dropped once hashed: only hashes are
kept in memory, and nothing of the list is written anywhere. Allowed findings are counted
(:attr:`AllowList.allowed`), and the count is reported at the end of the scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scanner import entities
from scanner.models import Finding
from scanner.redact import value_hash

# The entities a value can be looked up as (trait `lookup` in config/taxonomy.yaml): one per
# normal form of scanner.redact.normalize (the others share one of these).
NORMAL_FORMS = tuple(sorted(entities.with_trait("lookup")))
MAX_LINE = 1000


class AllowListError(ValueError):
    """An allow-list file that cannot be used; the message names the file and line."""


class AllowList:
    def __init__(self, hashes: Iterable[str]) -> None:
        self.hashes = frozenset(hashes)
        self.allowed = 0

    def __len__(self) -> int:
        return len(self.hashes)

    @classmethod
    def from_values(cls, values: Iterable[str], secret: bytes) -> AllowList:
        return cls(value_hash(secret, entity, v) for v in values for entity in NORMAL_FORMS)

    @classmethod
    def load(cls, path: str | Path, secret: bytes) -> AllowList:
        return cls.from_values(read_values(path), secret)

    @classmethod
    def from_settings(cls, settings: object, secret: bytes) -> AllowList | None:
        path = getattr(getattr(settings, "classify", None), "allow_list", None)
        return cls.load(path, secret) if path else None

    def allows(self, f: Finding) -> bool:
        return f.value_hash in self.hashes

    def filter(self, findings: list[Finding]) -> list[Finding]:
        """``findings`` without the allowed ones, which are counted."""
        if not findings or not self.hashes:
            return findings
        kept = [f for f in findings if f.value_hash not in self.hashes]
        self.allowed += len(findings) - len(kept)
        return kept


def read_values(path: str | Path) -> list[str]:
    """The values of an allow-list file (checked: readable UTF-8 text, sane lines)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise AllowListError(f"{p}: cannot read the allow-list: {exc.strerror or exc}") from None
    out: list[str] = []
    for n, line in enumerate(raw.split(b"\n"), 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise AllowListError(f"{p}:{n}: not UTF-8 text; an allow-list has one value a line")\
                from None
        if "\x00" in text:
            raise AllowListError(f"{p}:{n}: a NUL byte; an allow-list is a text file")
        value = text.split(" #", 1)[0].strip() if not text.lstrip().startswith("#") else ""
        if len(value) > MAX_LINE:
            raise AllowListError(f"{p}:{n}: a value longer than {MAX_LINE} characters")
        if value:
            out.append(value)
    return out
