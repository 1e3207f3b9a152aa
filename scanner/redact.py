"""Turning clear values into what may be stored and printed: a masked preview and a keyed hash.

The hash is HMAC-SHA256 over the *normalised* value with a per-installation secret, so the same
person's e-mail in two spellings ("Jane@Example.org", "jane@example.org") has one hash, a subject
lookup can find it without the inventory holding clear values, and nobody without the secret can
confirm a guess.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import click

from scanner import entities
from scanner.phone_form import phone_e164

SECRET_FILE = "secret.key"

_DIGITS = re.compile(r"\D+")
_SPACE = re.compile(r"\s+")
_COMPACT = re.compile(r"[\s:.-]")

MIN_SECRET_BYTES = 32

# What to do when the secret cannot be used, at the end of every message about it.
_FIX = ("restore it from a backup, or run `piiscout secret rotate` to write a new one "
        "(hashes made with the old one will no longer match)")


class SecretError(click.ClickException):
    """The installation secret is missing, unreadable or too weak: exit 2, one line."""

    exit_code = 2


def load_or_create_secret(data_dir: Path) -> bytes:
    """Read the installation secret, creating it (mode 0600) on first use only.

    A secret file that exists is never replaced: a directory, an unreadable file, text that is
    not hexadecimal, or fewer than :data:`MIN_SECRET_BYTES` bytes raise :class:`SecretError`
    (with an empty or 1-byte key, HMAC is a plain hash anyone can test a guess against).
    """
    path = data_dir / SECRET_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise SecretError(f"the data directory {data_dir} is not a directory: point "
                          "PIISCOUT_HOME at a directory") from None
    except OSError as exc:
        raise SecretError(f"cannot create the data directory {data_dir}: "
                          f"{exc.strerror or exc}") from None
    try:
        return read_secret(path)
    except FileNotFoundError:
        pass
    # FileExistsError: another process created it meanwhile; use that one
    with contextlib.suppress(FileExistsError):
        write_secret(path, secrets.token_bytes(MIN_SECRET_BYTES), replace=False)
    try:
        return read_secret(path)
    except FileNotFoundError:
        raise SecretError(f"the installation secret {path} vanished while it was created") from None


def read_secret(path: Path) -> bytes:
    """The key in ``path``; ``FileNotFoundError`` if there is none, :class:`SecretError` if it
    cannot be used."""
    if path.is_dir():
        raise SecretError(f"the installation secret {path} is a directory: remove it, then "
                          "run `piiscout secret rotate` to write a new secret")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise SecretError(f"cannot read the installation secret {path} "
                          f"({exc.strerror or type(exc).__name__}): fix its permissions, or "
                          f"{_FIX}") from None
    if len(raw) > 4096:
        raise SecretError(f"the installation secret {path} is not a piiscout secret "
                          f"({len(raw)} bytes): {_FIX}")
    try:
        key = bytes.fromhex(raw.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise SecretError(f"the installation secret {path} is not hexadecimal text: "
                          f"{_FIX}") from None
    if len(key) < MIN_SECRET_BYTES:
        raise SecretError(f"the installation secret {path} holds {len(key)} bytes, fewer than "
                          f"the {MIN_SECRET_BYTES} needed: {_FIX}")
    return key


def write_secret(path: Path, key: bytes, *, replace: bool) -> None:
    """Write ``key`` (hex, mode 0600) atomically: readers see the old file or the whole new one.

    ``replace=False`` never overwrites (``FileExistsError`` when ``path`` exists).
    """
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"a secret needs at least {MIN_SECRET_BYTES} bytes")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(key.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path exists: never over an existing secret
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links: exclusive create instead
                out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(out, "w") as fh:
                    fh.write(key.hex() + "\n")
    finally:
        tmp.unlink(missing_ok=True)


def normalize_phone(value: str, region: str = "US") -> str:
    """E.164 where the number parses, else its digits (with a leading + kept).

    A number the phone classifier accepts is read as it reads it (scanner.phone_form.phone_e164:
    its own country when written with + or 00/011, else the first of Presidio's regions where it
    is valid), so "07700 900122" and "+44 7700 900122" have one normal form."""
    import phonenumbers

    e164 = phone_e164(value)
    if e164 is not None:
        return e164
    try:
        num = phonenumbers.parse(value, None if value.strip().startswith("+") else region)
        if phonenumbers.is_possible_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    digits = _DIGITS.sub("", value)
    return ("+" + digits) if value.strip().startswith("+") else digits


def normalize(entity: str, value: str) -> str:
    """The canonical form of a value, so that spellings of one value hash alike: the entity's
    ``normal_form`` in config/taxonomy.yaml (``text`` for an entity the taxonomy does not hold)."""
    v = value.strip()
    return _NORMALIZERS[_normal_form(entity)](v)


@functools.cache
def _normal_form(entity: str) -> str:
    found = entities.find(entity)
    return "text" if found is None else found.normal_form


_NORMALIZERS: dict[str, Callable[[str], str]] = {
    "text": lambda v: _SPACE.sub(" ", v).casefold(),
    "lower": str.lower,
    "digits": lambda v: _DIGITS.sub("", v),
    "compact_upper": lambda v: _COMPACT.sub("", v).upper(),
    "phone": lambda v: normalize_phone(v),
}
assert set(_NORMALIZERS) == set(entities.NORMAL_FORMS)


def value_hash(secret: bytes, entity: str, value: str) -> str:
    return hmac.new(secret, normalize(entity, value).encode("utf-8"), hashlib.sha256).hexdigest()


class KeyedHash:
    """:func:`value_hash` under one secret, for many values: the HMAC key is set up once and the
    keyed state copied per value (the same digest as a fresh ``hmac.new``; measured 1.6 us
    against 2.6 us a value)."""

    __slots__ = ("_keyed",)

    def __init__(self, secret: bytes) -> None:
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)

    def __call__(self, entity: str, value: str) -> str:
        h = self._keyed.copy()
        h.update(normalize(entity, value).encode("utf-8"))
        return h.hexdigest()


def candidate_hashes(secret: bytes, value: str) -> dict[str, str]:
    """Hashes of ``value`` under every normal form of the entities a subject lookup tries (the
    taxonomy's ``lookup`` trait), for a subject lookup."""
    out: dict[str, str] = {}
    for entity in sorted(entities.with_trait("lookup")):
        h = value_hash(secret, entity, value)
        out.setdefault(h, entity)
    return {entity: h for h, entity in out.items()}


_ALNUM = re.compile(r"[^\W_]")  # one letter or digit: what str.isalnum() says of a character


def _mask_tail_reference(v: str, style: str) -> str:
    """The tail2 / tail4 preview written out character by character (the slow path of
    :func:`mask`, kept for its equivalence test)."""
    digits = [c for c in v if c.isalnum()]
    keep = 4 if style == "tail4" and len(digits) > 8 else 2
    shown = len(digits) - keep
    out, seen = [], 0
    for c in v:
        if c.isalnum():
            out.append(c if seen >= shown else "*")
            seen += 1
        else:
            out.append(c)
    return "".join(out)


def _mask_word(word: str) -> str:
    if not word:
        return word
    return word[0] + "***"


@functools.cache
def _mask_style(entity: str) -> str:
    found = entities.find(entity)
    return "text" if found is None else found.mask


def mask(entity: str, value: str) -> str:
    """A preview that shows the shape of a value, never enough of it to be the value: the
    entity's ``mask`` in config/taxonomy.yaml (``text`` for an entity the taxonomy does not hold)."""
    v = _SPACE.sub(" ", value.strip())
    if not v:
        return ""
    style = _mask_style(entity)
    if style == "email" and "@" in v:
        local, _, domain = v.rpartition("@")
        tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
        return f"{_mask_word(local)}@{_mask_word(domain)}" + (f".{tld}" if tld else "")
    if style in ("tail2", "tail4"):
        # Every letter or digit but the last 2 (4) starred: the first ``hidden`` of them, which
        # is what the regex's ``[^\W_]`` is (str.isalnum per character; _mask_tail_reference).
        alnum = sum(map(str.isalnum, v))
        hidden = alnum - (4 if style == "tail4" and alnum > 8 else 2)
        return _ALNUM.sub("*", v, count=hidden) if hidden > 0 else v
    if len(v) <= 4:
        return "*" * len(v)
    if style == "words" or " " in v:
        return " ".join(_mask_word(w) for w in v.split(" ")[:8]) + (" …" if v.count(" ") >= 8 else "")
    return v[:2] + "*" * min(len(v) - 2, 12)
