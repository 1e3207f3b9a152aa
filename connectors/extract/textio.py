"""Decoding bytes to text without reading everything: encoding detection and line-aligned chunks.

The encoding is chosen from a sample at the start of the stream: a BOM first, then strict UTF-8,
then UTF-16 without a BOM (NUL bytes in alternate positions), then 7-bit escape encodings
(ISO-2022, HZ), then charset-normalizer, then a few multi-byte legacy codecs it does not know
(cp949, johab, big5hkscs) if one decodes the sample strictly, and finally cp1252/latin-1.
The rest of the stream is decoded incrementally with that codec (``errors="replace"``).
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO, TextIO

from connectors.extract.streams import buffered, read_exact

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

SAMPLE_BYTES = 64 * 1024
# Upper bound of one text unit; split at a line boundary whenever there is one.
UNIT_CHARS = 64 * 1024
READ_CHARS = 256 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LEGACY = ("cp949", "johab", "big5hkscs", "gb18030", "shift_jis", "euc_jp")
_ISO2022 = ((b"\x1b$)C", "iso2022_kr"), (b"\x1b$B", "iso2022_jp"), (b"\x1b$@", "iso2022_jp"),
            (b"\x1b(J", "iso2022_jp"), (b"\x1b$(D", "iso2022_jp_2"))


def detect_encoding(sample: bytes) -> str:
    """A Python codec name for ``sample`` (the first bytes of a stream)."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if _decodes(sample, "utf-8"):
        if sample.isascii():
            return _seven_bit(sample)
        return "utf-8"
    utf16 = utf16_without_bom(sample)
    if utf16:
        return utf16
    matches: Iterable[CharsetMatch]
    try:
        from charset_normalizer import from_bytes

        matches = from_bytes(sample[:SAMPLE_BYTES])
        best = matches.best()
    except Exception:
        matches, best = [], None
    if best is not None and best.encoding:
        # Short Western text fits many code pages equally well: prefer the common one on a tie.
        for m in matches:
            if m.encoding == "cp1252" and (m.chaos, m.coherence) == (best.chaos, best.coherence):
                return "cp1252"
        return _codec(best.encoding)
    for name in _LEGACY:
        if _decodes(sample, name):
            return name
    return "cp1252" if _decodes(sample, "cp1252") else "latin-1"


def _seven_bit(sample: bytes) -> str:
    for marker, name in _ISO2022:
        if marker in sample and _decodes(sample, name):
            return name
    if b"~{" in sample and b"~}" in sample and _decodes(sample, "hz"):
        return "hz"
    return "utf-8"


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def _decodes(sample: bytes, encoding: str) -> bool:
    """Strict decoding of the sample; an incomplete character at its very end is allowed."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def utf16_without_bom(sample: bytes) -> str | None:
    pairs = sample[: len(sample) - len(sample) % 2]
    if len(pairs) < 8:
        return None
    even_nul = pairs[0::2].count(0) / (len(pairs) // 2)
    odd_nul = pairs[1::2].count(0) / (len(pairs) // 2)
    if odd_nul > 0.3 and even_nul < 0.05 and _decodes(pairs, "utf-16-le"):
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05 and _decodes(pairs, "utf-16-be"):
        return "utf-16-be"
    return None


def open_text(raw: BinaryIO) -> tuple[TextIO, str]:
    """Wrap a binary stream as text (universal newlines) with a detected encoding."""
    sample = read_exact(raw, SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    stream = buffered(sample, raw)
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline=None), encoding


def decode_bytes(data: bytes) -> str:
    """Decode a whole (small) byte string with the detected encoding."""
    encoding = detect_encoding(data[:SAMPLE_BYTES])
    text = data.decode(encoding, errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def line_chunks(text: TextIO, limit: int = UNIT_CHARS) -> Iterator[tuple[int, str]]:
    """``(first_line, chunk)`` pairs of at most ``limit`` characters, split after a newline.

    A single line longer than ``limit`` is split anyway (the next chunk starts mid-line, with the
    same line number). Never holds more than ``limit + READ_CHARS`` characters.
    """
    line = 1
    buf = ""
    while True:
        data = text.read(READ_CHARS)
        if data:
            buf += data
        while len(buf) >= limit or (not data and buf):
            cut = buf.rfind("\n", 0, limit) + 1 if len(buf) > limit else len(buf)
            if cut <= 0:
                cut = limit
            chunk, buf = buf[:cut], buf[cut:]
            yield line, chunk
            line += chunk.count("\n")
        if not data:
            return


_TIMESTAMP = re.compile(
    r"\s*[\[(]?(\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}|\d{1,2}/\w{3}/\d{4}:\d{2}|"
    r"\w{3} [ \d]\d \d{2}:\d{2}:\d{2}|\d{2}:\d{2}:\d{2}|\d{10}(\.\d+)?\b|"
    r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}|\d{1,3}(\.\d{1,3}){3} )"
)
_KEY_VALUE = re.compile(r"\b[\w.-]+=\S")


def looks_like_log(sample: str) -> bool:
    """Most non-empty lines start with a timestamp or carry several ``key=value`` pairs."""
    lines = [ln for ln in sample.splitlines()[:200] if ln.strip()]
    if len(lines) < 3:
        return False
    hits = sum(
        1 for ln in lines if _TIMESTAMP.match(ln) or len(_KEY_VALUE.findall(ln)) >= 2
    )
    return hits >= 0.6 * len(lines)
