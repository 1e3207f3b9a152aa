"""Text helpers for mail: charsets with fallbacks, HTML and RTF to text, uuencoded blocks.

* :func:`decode_bytes` tries the declared charset (with aliases for names mail clients get wrong),
  then UTF-8, then cp1252 (short text) or charset-normalizer's guess -- it never raises.
* :func:`html_to_text` keeps the line structure of the HTML source: text that starts on source
  line *n* is on line *n* of the output, so body line numbers stay meaningful.
* :func:`split_uuencoded` finds ``begin 644 name`` ... ``end`` blocks in a text body, decodes
  them, and blanks their lines in the text (line numbers of the rest do not move).
"""

from __future__ import annotations

import binascii
import codecs
import re
from html import unescape
from html.parser import HTMLParser

# Charset names seen in real mail that Python does not know, or knows as a narrower set.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "x-user-defined": "cp1252",
    "iso-8859-1": "cp1252",  # what senders mean in practice (cp1252 is a superset)
    "us-ascii": "utf-8",  # 8-bit bytes in "ascii" bodies are almost always UTF-8 or cp1252
    "ascii": "utf-8",
    "utf8": "utf-8",
}


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode with the declared charset, falling back on UTF-8, then cp1252 for short text or
    charset-normalizer's guess for long text, then cp1252 with replacements."""
    if not data:
        return ""
    codec = _codec(charset)
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(data) < 4096:  # too little text for a statistical guess: western Europe wins
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, errors="replace")
    except Exception:
        pass
    return data.decode(codec or "cp1252", errors="replace")


def clean(text: str) -> str:
    """Drop NUL bytes (they end strings in some consumers) and CRs of CRLF line ends."""
    return text.replace("\x00", "").replace("\r\n", "\n")


_INLINE = frozenset(
    ("a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i",
     "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time",
     "tt", "u", "var", "wbr")
)  # fmt: skip
_SKIP = frozenset(("script", "style", "head", "title", "template"))


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.line = 1
        self.skip = 0
        self.boundary = False  # an element ended or began since the last text
        self.texted = False  # text was written on the current output line

    def _sync(self) -> None:
        lineno = self.getpos()[0]
        if lineno > self.line:
            self.out.append("\n" * (lineno - self.line))
            self.line = lineno
            self.texted = False

    def _emit(self, text: str) -> None:
        self._sync()
        if self.boundary and text.strip():
            # Two elements' texts on one source line (table cells, divs): a bar between them,
            # as markup.py writes them; a space let a phone number run on into the next cell
            # ("+34 746 41 91 46  06487", and neither was found).
            self.out.append(" | " if self.texted else " ")
            self.boundary = False
        self.out.append(text)
        newlines = text.count("\n")
        self.line += newlines
        if newlines:
            self.texted = bool(text[text.rindex("\n") + 1:].strip())
        elif text.strip():
            self.texted = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag not in _INLINE:
            self.boundary = True
        if tag == "a":  # mailto: links carry addresses the anchor text may not show
            href = dict(attrs).get("href") or ""
            if href.lower().startswith("mailto:"):
                self._emit(" " + href[7:].split("?", 1)[0] + " ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag not in _INLINE:
            self.boundary = True

    def handle_data(self, data: str) -> None:
        if self.skip:
            self._sync()
            self.line += data.count("\n")
            self.out.append("\n" * data.count("\n"))
            return
        self._emit(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, on the same lines as in the source."""
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return unescape(re.sub(r"<[^>]*>", " ", html))
    return "".join(parser.out)


_RTF_GROUP_SKIP = re.compile(
    r"\{\\\*?\\(?:fonttbl|colortbl|stylesheet|info|pict|themedata|colorschememapping|"
    r"latentstyles|datastore|xmlnstbl|listtable|listoverridetable|rsidtbl|generator)"
)


def rtf_to_text(rtf: str) -> str:
    """Cheap RTF to text: drops destination groups and control words, keeps \\par as lines."""
    out: list[str] = []
    i, n, depth, skip_depth = 0, len(rtf), 0, 0
    while i < n:
        c = rtf[i]
        if c == "{":
            depth += 1
            if not skip_depth and _RTF_GROUP_SKIP.match(rtf, i):
                skip_depth = depth
            i += 1
        elif c == "}":
            if skip_depth == depth:
                skip_depth = 0
            depth -= 1
            i += 1
        elif c == "\\":
            m = re.match(r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)", rtf[i:])
            if not m:
                i += 1
                continue
            i += m.end()
            if skip_depth:
                continue
            word, hexa, sym = m.group(1), m.group(3), m.group(4)
            if word in ("par", "line", "row"):
                out.append("\n")
            elif word in ("tab", "cell"):
                out.append("\t")
            elif word == "u" and m.group(2):
                out.append(chr(int(m.group(2)) % 65536))
                if i < n and rtf[i] == "?":
                    i += 1
            elif hexa:
                out.append(bytes([int(hexa, 16)]).decode("cp1252", errors="replace"))
            elif sym in ("\\", "{", "}"):
                out.append(sym)
        else:
            if not skip_depth and c not in "\r\n":
                out.append(c)
            i += 1
    return "".join(out)


_UU_BEGIN = re.compile(r"^begin [0-7]{3,4} (\S[^\r\n]*)\r?$", re.MULTILINE)


def split_uuencoded(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Return the text with uuencoded blocks blanked, and the decoded (name, bytes) blocks."""
    if "begin " not in text:
        return text, []
    blocks: list[tuple[str, bytes]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _UU_BEGIN.match(lines[i])
        if not m:
            i += 1
            continue
        start, chunks, j = i, [], i + 1
        while j < len(lines) and lines[j].rstrip("\r") not in ("end", ""):
            line = lines[j].rstrip("\r")
            try:
                chunks.append(binascii.a2b_uu(line))
            except binascii.Error:
                try:  # some encoders pad lines short; the length byte tells the truth
                    nbytes = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
                    chunks.append(binascii.a2b_uu(line[:nbytes]))
                except (binascii.Error, IndexError):
                    break
            j += 1
        if j < len(lines) and lines[j].rstrip("\r") == "`":
            j += 1
        if j < len(lines) and lines[j].rstrip("\r") == "end":
            j += 1
        if chunks:
            blocks.append((m.group(1).strip(), b"".join(chunks)))
            for k in range(start, j):
                lines[k] = ""
        i = j
    return "\n".join(lines), blocks
