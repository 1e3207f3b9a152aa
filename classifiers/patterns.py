"""The multi-pattern pass: every :class:`~classifiers.base.Pattern` of every pattern classifier,
run over a text unit in one go.

Two interchangeable back ends give the same matches:

* **hyperscan** (x86-64): one database holding a *prefilter* of each pattern. Hyperscan has no
  lookarounds and its ``\\b`` differs from Python's, so the prefilter is the pattern with every
  lookaround and word-boundary assertion removed. Removing a zero-width assertion only widens the
  language, so every true match lies inside a prefilter match. The database runs over the UTF-8
  bytes of the text with ``HS_FLAG_SOM_LEFTMOST``; the byte spans are mapped back to ``str``
  offsets (ASCII texts need no mapping), widened by a small margin, merged, and the real Python
  pattern is run on those small windows only. Patterns hyperscan cannot compile even as a
  prefilter are run with Python ``re`` over the whole text instead.
* **re**: each compiled Python pattern over the whole text (used when hyperscan is absent).

Both return ``(pattern index, start, end)`` in text order with Python ``re`` match semantics.
:meth:`PatternSet.matches_many` gives the same matches for a batch of texts with one hyperscan scan
per database over the joined texts instead of one per text. A short text (up to
:data:`WHOLE_TEXT` characters: a table cell, a JSON value) is confirmed whole anyway, so it needs
only *which* prefilters match in it: one scan of its own with the *presence* database (every
prefilter, ``HS_FLAG_SINGLEMATCH``, no start-of-match tracking) names them, once each, with no
spans to map back (:func:`_presence_database`; on the dense benchmark 40,000 of 41,000 units).
"""

from __future__ import annotations

import functools
import logging
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter

from classifiers import hscache
from classifiers.base import Pattern

log = logging.getLogger("piiscout.patterns")

try:  # hyperscan ships x86-64 wheels only
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the platform
    _hs = None  # type: ignore[assignment]

# Characters of context kept on each side of a prefilter match when the Python pattern confirms
# it: enough for lookbehinds / lookaheads and \b around the match.
MARGIN = 8
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")

Match = tuple[int, int, int]  # (pattern index, start, end)
# Between the texts of a batch in the joined hyperscan buffer (see PatternSet.matches_many).
SEPARATOR = b"\n\x00\n"


def hyperscan_available() -> bool:
    return _hs is not None


def prefilter(regex: str) -> str:
    """``regex`` with lookarounds and ``\\b``/``\\B`` removed (a superset of the language)."""
    out: list[str] = []
    i, n = 0, len(regex)
    in_class = False
    while i < n:
        c = regex[i]
        if c == "\\" and i + 1 < n:
            pair = regex[i : i + 2]
            if not in_class and pair in ("\\b", "\\B"):
                i += 2
                continue
            out.append(pair)
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and regex[i] == "^":
                out.append("^")
                i += 1
            if i < n and regex[i] == "]":  # a literal ] first in a class
                out.append("]")
                i += 1
            continue
        if c == "(" and regex.startswith(_LOOKAROUND, i):
            i = _skip_group(regex, i)
            continue
        out.append(c)
        i += 1
    return "".join(out)


_OUT = {  # escapes outside a class -> byte-level supersets (any non-ASCII byte may be a word char)
    "\\w": "[A-Za-z0-9_\\x80-\\xff]", "\\W": "[^A-Za-z0-9_]", "\\d": "[0-9\\x80-\\xff]", "\\D": "[^0-9]",
    "\\s": "[\\t\\n\\v\\f\\r \\x80-\\xff]", "\\S": "[^\\t\\n\\v\\f\\r ]",
}
_IN_POS = {
    "\\w": "A-Za-z0-9_\\x80-\\xff", "\\d": "0-9\\x80-\\xff", "\\s": "\\t\\n\\v\\f\\r \\x80-\\xff",
    "\\W": "\\x00-\\xff", "\\D": "\\x00-\\xff", "\\S": "\\x00-\\xff",
}
_IN_NEG = {"\\w": "A-Za-z0-9_", "\\d": "0-9", "\\s": "\\t\\n\\v\\f\\r ", "\\W": "", "\\D": "", "\\S": ""}
_QUANT = re.compile(r"\{(\d+)(,(\d*))?\}")
_UESC = re.compile(r"\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x\{[0-9a-fA-F]+\}")


def byte_superset(regex: str) -> str:
    """A byte-level regex (no UTF-8 / UCP mode) whose matches on the UTF-8 bytes of a text cover
    every match of ``regex`` on the text: Unicode classes widen to any non-ASCII byte, non-ASCII
    literals become byte runs, a repeat of an atom that can match a (multi-byte) non-ASCII
    character, a long repeat, or a repeat of a group, loses its upper bound, and such an atom
    not repeated also takes 2-4 non-ASCII bytes (one character).

    A group's bounded repeat is what makes hyperscan's compile with start-of-match tracking slow:
    the IBAN prefilter ``(?:[ -]?[A-Z0-9]{4}){2,6}`` took 2.0 s of a new machine's start-up,
    ``{2,}`` 0.05 s. A wider prefilter only widens the windows the Python pattern confirms in
    (the matches stay the same: tests/classifiers/test_perf_equivalence.py)."""
    out: list[str] = []
    i, n = 0, len(regex)
    in_class = negated = False
    class_start = class_start_out = 0
    wide = False  # can the last atom match part of a non-ASCII character?
    # Where in ``out`` the last atom starts when it is wide and may not be repeated: one byte of a
    # multi-byte character, so it is widened to (atom|[\x80-\xff]{2,4}) unless a repeat follows.
    single: int | None = None
    group_end = False  # is the last thing in ``out`` a group's closing parenthesis?
    while i < n:
        c = regex[i]
        after_group, group_end = group_end, False
        if single is not None:
            if not (c in "*+" or (c == "{" and _QUANT.match(regex, i))):
                out[single:] = ["(?:" + "".join(out[single:]) + "|[\\x80-\\xff]{2,4})"]
            single = None
        m = _UESC.match(regex, i)
        if m or not c.isascii():
            i += len(m.group()) if m else 1
            if in_class:
                if regex.startswith("-", i) and i + 1 < n and regex[i + 1] != "]":
                    end = _UESC.match(regex, i + 1)
                    i += 1 + (len(end.group()) if end else 1)
                if not negated:
                    out.append("\\x80-\\xff")
            else:
                out.append("[\\x80-\\xff]{1,4}")
                wide = False
            continue
        if c == "\\" and i + 1 < n:
            pair = regex[i : i + 2]
            if in_class:
                out.append((_IN_NEG if negated else _IN_POS).get(pair, pair))
            else:
                rep = _OUT.get(pair, pair)
                out.append(rep)
                wide = "\\x80" in rep or rep.startswith("[^")
                single = len(out) - 1 if wide else None
            i += 2
            continue
        if in_class:
            if c == "]" and i > class_start + (2 if negated else 1):
                in_class = False
                out.append(c)
                wide = negated or "\\x80" in "".join(out[class_start_out:])
                single = class_start_out if wide else None
                i += 1
                continue
            if c == "-" and i + 1 < n and (not regex[i + 1].isascii() or _UESC.match(regex, i + 1)):
                if not negated:  # an ASCII-to-non-ASCII range: to the end of ASCII and beyond
                    out.append("-\\x7f\\x80-\\xff")
                end = _UESC.match(regex, i + 1)
                i += 1 + (len(end.group()) if end else 1)
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            negated = regex.startswith("[^", i)
            class_start, class_start_out = i, len(out)
            out.append("[^" if negated else "[")
            i += 2 if negated else 1
            continue
        q = _QUANT.match(regex, i) if c == "{" else None
        if q:
            # Long bounded repeats are unbounded too: hyperscan compiles them far smaller.
            long = q.group(2) is not None and (not q.group(3) or int(q.group(3)) > 16)
            repeat = after_group and q.group(2) is not None  # (...){m,n}: unbounded as well
            out.append(f"{{{q.group(1)},}}" if wide or long or repeat else q.group())
            i = q.end()
            continue
        out.append(c)
        wide = c == "."
        single = len(out) - 1 if wide else None
        group_end = c == ")"
        i += 1
    if single is not None:
        out[single:] = ["(?:" + "".join(out[single:]) + "|[\\x80-\\xff]{2,4})"]
    return "".join(out)


def _top_level(expr: str) -> list[list[tuple[int, int, str]]] | None:
    """The top-level alternatives of a hyperscan expression, each as its atoms ``(start, end,
    kind)`` (quantifier included) with kind ``"class"``, ``"group"``, ``"escape"`` or
    ``"char"``; ``None`` when a class or group does not close."""
    alts: list[list[tuple[int, int, str]]] = [[]]
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c == "|":
            alts.append([])
            i += 1
            continue
        start = i
        if c == "\\":
            kind, i = "escape", i + 2
        elif c == "[":
            j = i + 1
            if expr.startswith("^", j):
                j += 1
            if expr.startswith("]", j):
                return None  # a literal ] first in a class: not handled here
            while j < n and expr[j] != "]":
                j += 2 if expr[j] == "\\" else 1
            if j >= n:
                return None
            kind, i = "class", j + 1
        elif c == "(":
            end = _skip_group(expr, i)
            if end >= n and not expr.endswith(")"):
                return None
            kind, i = "group", end
        else:
            kind, i = "char", i + 1
        q = _QUANT.match(expr, i)
        if q:
            i = q.end()
        elif i < n and expr[i] in "*+?":
            i += 1
        if i < n and expr[i] in "?+" and i > start and expr[i - 1] in "*+?}":
            i += 1  # a lazy or possessive modifier
        alts[-1].append((start, i, kind))
    return alts


_RUN_QUANT = re.compile(r"\{(\d+)(?:,\d*)?\}|\+")


_GROUP_QUANT = re.compile(r"\{(\d+)(?:(,)(\d*))?\}|[*+?]")


def _repeat_less(group: str, quant: str) -> tuple[str, bool] | None:
    """For a group ``G`` with quantifier ``quant``: ``(R, optional)`` such that ``G<quant>`` is
    ``R G`` (and also the empty string when ``optional``), ``R`` being ``G`` repeated one time
    fewer; ``None`` for a quantifier not handled (lazy, possessive, malformed)."""
    if quant == "":
        return "", False
    m = _GROUP_QUANT.fullmatch(quant)
    if m is None:
        return None
    if quant == "?":
        return "", True
    if quant == "*":
        return group + "*", True
    if quant == "+":
        return group + "*", False
    low = int(m.group(1))
    if m.group(2) is None:  # {m}
        fewer = f"{{{low - 1}}}" if low > 1 else None
    elif not m.group(3):  # {m,}
        fewer = f"{{{max(low - 1, 0)},}}"
    else:  # {m,n}
        high = int(m.group(3))
        if high < max(low, 1):
            return None
        fewer = f"{{{max(low - 1, 0)},{high - 1}}}" if high > 1 else None
    return (group + fewer if fewer else ""), low == 0


# A literal that may end an alternative like a one-character class (``:`` in ``(?:x:){2}``):
# punctuation, plain or escaped (a letter or digit may belong to an escape before it: ``\x41``).
_SAFE_LITERAL = re.compile(r"[:@/%#=,;'\"&~_!<> -]|\\[^A-Za-z0-9]")


def _class_endings(alt: str, depth: int = 0) -> list[str] | None:
    """Alternatives with the language of ``alt`` (one alternative, no top-level ``|``) whose last
    atom is a class: a trailing group ``G`` is opened into its prefix followed by ``G`` repeated
    one time fewer and by each of its alternatives (``Q(?:T)?`` is ``Q|QT``, ``QG{2,3}`` is
    ``QG{1,2}G``, ``QG+`` is ``QG*G``), and a plain literal character ``c`` that ends it is the
    class ``[c]``. ``None`` when some ending is neither or the expansion goes too deep."""
    tops = _top_level(alt)
    if depth > 6 or not tops or len(tops) != 1 or not tops[0]:
        return None
    start, end, kind = tops[0][-1]
    if kind == "class":
        return [alt]
    atom = alt[start:end]
    if kind in ("char", "escape"):
        lit = atom[:2] if kind == "escape" else atom[:1]
        quant = atom[len(lit):]
        if not _SAFE_LITERAL.fullmatch(lit) or (quant and not _RUN_QUANT.fullmatch(quant)):
            return None
        if alt[:start].endswith("\\c"):  # \c: the literal is a control character's name
            return None
        return [alt[:start] + "[" + lit + "]" + quant]
    if kind != "group":
        return None
    close = atom.rindex(")") + 1
    group, quant = atom[:close], atom[close:]
    fewer = _repeat_less(group, quant)
    if fewer is None:
        return None
    if group.startswith("(?:"):
        body = group[3:-1]
    elif group.startswith("(?"):
        return None  # a lookaround or an inline flag: not opened
    else:
        body = group[1:-1]
    prefix = alt[:start]
    inner = _top_level(body)
    if inner is None:
        return None
    out: list[str] = []
    choices = [fewer[0] + body[a[0][0] : a[-1][1]] if a else fewer[0] for a in inner]
    if fewer[1]:
        choices.append("")
    for choice in choices:
        if not prefix and not choice:
            return None  # the alternative may be empty
        more = _class_endings(prefix + choice, depth + 1)
        if more is None:
            return None
        out.extend(more)
    return out


def run_end(expr: str) -> str | None:
    """A hyperscan expression reporting one end per maximal run where ``expr`` reports many, or
    ``None`` when ``expr`` does not have the shape this needs.

    The shape: every top-level alternative ends with a class ``C``, alone or repeated (``C{m}``,
    ``C{m,n}``, ``C{m,}`` or ``C+``), once trailing groups are opened (:func:`_class_endings`:
    ``Q(?:T)?`` is ``Q|QT``). Each alternative ``Q C{m,n}`` becomes ``Q C{m,}(?:[^C]|$)``: a
    match of the old alternative ending inside a run of ``C`` extends to the end of that run,
    where the new one matches, one character further (or at the end of the data), and
    hyperscan's leftmost start of that match is at or before the old start. So every span of the
    old expression lies inside a span of the new one, and the windows the Python pattern confirms
    in (merged spans plus :data:`MARGIN`) only widen: the confirmed matches are the same (see
    :func:`_windows`). A digit run of a log line then costs one callback instead of one per
    digit."""
    alts = _top_level(expr)
    if not alts or any(not a for a in alts):
        return None
    out = []
    for atoms in alts:
        endings = _class_endings(expr[atoms[0][0] : atoms[-1][1]])
        if endings is None:
            return None
        for alt in endings:
            start, end, _kind = (_top_level(alt) or [[(0, 0, "")]])[0][-1]
            atom = alt[start:end]
            close = atom.rindex("]") + 1
            cls, quant = atom[:close], atom[close:]
            q = _RUN_QUANT.fullmatch(quant) if quant else None
            if quant and q is None:
                return None
            low = q.group(1) or "1" if q else "1"
            neg = "[" + cls[2:] if cls.startswith("[^") else "[^" + cls[1:]
            out.append(f"{alt[:start]}{cls}{{{low},}}(?:{neg}|$)")
    if len(out) > 16:
        return None  # too many endings: the database would grow more than the callbacks shrink
    return "|".join(out)


def _skip_group(regex: str, i: int) -> int:
    """Index just after the group that opens at ``regex[i]``."""
    depth, in_class, n = 0, False, len(regex)
    while i < n:
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if regex.startswith("[]", i) or regex.startswith("[^]", i):
                i += 2 if regex[i + 1] == "]" else 3
                continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


_MATCH_ORDER = itemgetter(1, 2, 0)  # (pattern, start, end) matches by (start, end, pattern)


def _python_flags(p: Pattern) -> int:
    return re.IGNORECASE if p.ignore_case else 0


def _span_collector(
    spans: dict[int, list[list[int]]],
) -> Callable[[int, int, int, int, object], None]:
    """A hyperscan match handler filling ``spans[pid]`` with [start, end] spans, a match that
    overlaps the last span of its pattern widening it (hyperscan reports every end of a match,
    and a run of digits holds many overlapping matches). The windows the Python patterns run in
    are the merged spans widened by :data:`MARGIN`, so merging overlaps here changes no window."""

    def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
        lst = spans.get(pid)
        if lst is None:
            spans[pid] = [[start, end]]
        elif start <= (last := lst[-1])[1]:
            # no max()/min() calls: this runs for every end of every match
            if end > last[1]:
                last[1] = end
            if start < last[0]:
                last[0] = start
        else:
            lst.append([start, end])

    return on_match


class PatternSet:
    """All patterns, compiled once. Cheap to pickle: compiled state is rebuilt on first use."""

    def __init__(
        self,
        patterns: Sequence[Pattern],
        use_hyperscan: bool | None = None,
        groups: Sequence[int] | None = None,
    ) -> None:
        """``groups``: a group number per pattern; hyperscan builds one database per group
        (default: one database for all)."""
        self.patterns = tuple(patterns)
        self.groups = tuple(groups) if groups is not None else (0,) * len(self.patterns)
        if len(self.groups) != len(self.patterns):
            raise ValueError("one group number per pattern")
        want = hyperscan_available() if use_hyperscan is None else use_hyperscan
        if want and not hyperscan_available():
            raise RuntimeError("hyperscan is not installed")
        self.use_hyperscan = want
        self._compiled: list[re.Pattern[str]] | None = None
        self._dbs: tuple[object, ...] | None = None
        self._hs_ids: frozenset[int] = frozenset()
        self._re_only: tuple[int, ...] = ()
        self._presence: tuple[object, ...] = ()
        self._db_pids: tuple[frozenset[int], ...] = ()  # the patterns in each of _dbs
        # short text -> its matches: cell values repeat (numbers, dates, codes; see matches_many)
        self._short_memo: dict[str, tuple[Match, ...]] = {}

    # -- pickling: send the patterns, not the compiled database --------------------------------
    def __getstate__(self) -> dict[str, object]:
        return {"patterns": self.patterns, "use_hyperscan": self.use_hyperscan,
                "groups": self.groups}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(  # type: ignore[misc]
            state["patterns"], state["use_hyperscan"], state["groups"]
        )

    # -- compilation -----------------------------------------------------------------------------
    @property
    def compiled(self) -> list[re.Pattern[str]]:
        if self._compiled is None:
            self._compiled = [re.compile(p.regex, _python_flags(p)) for p in self.patterns]
        return self._compiled

    def _build(self) -> None:
        self.compiled  # noqa: B018 - compile the confirming patterns too
        self._dbs, self._hs_ids, self._re_only, self._db_pids = _hyperscan_database(
            self.patterns, self.groups)
        self._presence = _presence_database(self.patterns, self._hs_ids)

    # -- matching --------------------------------------------------------------------------------
    def matches(self, text: str) -> list[Match]:
        """Every match of every pattern, sorted by (start, end, pattern index)."""
        if not text:
            return []
        if self.use_hyperscan:
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates: hyperscan needs valid UTF-8
                data = None
            if data is not None:
                if len(text) <= WHOLE_TEXT:
                    if self._dbs is None:
                        self._build()
                    if self._presence:
                        return self._short_matches(text, data)
                return self._hyperscan_matches(text, data)
        return self._re_matches(text, range(len(self.patterns)))

    def _short_matches(self, text: str, data: bytes) -> list[Match]:
        """The matches in a short text (a table cell, a JSON value): the presence database names
        the patterns whose prefilter matches somewhere in it (once each), and those run over the
        whole text, as :func:`_confirm` runs them on any text up to :data:`WHOLE_TEXT`."""
        hits: list[int] = []
        return self._short_with(text, data, hits, _presence_collector(hits))

    def _short_with(self, text: str, data: bytes, hits: list[int],
                    on_match: Callable[[int, int, int, int, object], None]) -> list[Match]:
        """:meth:`_short_matches` with a hit list and its handler made once per batch."""
        hits.clear()
        for db in self._presence:
            db.scan(data, match_event_handler=on_match)  # type: ignore[attr-defined]
        compiled = self.compiled
        found: list[Match] = []
        for pid in hits:
            for m in compiled[pid].finditer(text):
                s, e = m.span()
                found.append((pid, s, e))
        if self._re_only:
            found.extend(self._re_matches(text, self._re_only))
        if len(found) > 1:  # one pattern per hit and re-only patterns apart: no duplicates
            found.sort(key=_MATCH_ORDER)
        return found

    def matches_many(self, texts: Sequence[str], skip: frozenset[int] = frozenset(),
                     skipped: Sequence[bool] | None = None) -> list[list[Match]]:
        """``[self.matches(t) for t in texts]`` with one hyperscan scan per database for the whole
        batch instead of one per text.

        ``skip``, ``skipped``: the patterns ``skip`` are not wanted in the texts ``i`` with
        ``skipped[i]`` (a log line's timestamps: the engine drops them there). Their matches
        are left out of those texts' lists, which are otherwise the same; what that saves is
        their confirmation there and, when every long text of the batch skips them, the scan
        of a database that holds nothing else (tests/classifiers/test_log_skip.py).

        The texts' UTF-8 bytes are joined with :data:`SEPARATOR`; a prefilter span is mapped back
        to the text(s) it overlaps by bisection over the start offsets and clipped to each (a
        span that crosses a separator only widens the windows the Python patterns confirm in,
        never narrows them). The Python patterns then run on each text alone, as in
        :meth:`matches`, so no match can cross from one text into the next."""
        if skip and skipped is not None and any(skipped):
            out = self._matches_many(texts, skip, skipped)
            for i, sk in enumerate(skipped):
                if sk and out[i]:
                    out[i] = [m for m in out[i] if m[0] not in skip]
            return out
        return self._matches_many(texts, frozenset(), None)

    def _matches_many(self, texts: Sequence[str], skip: frozenset[int],
                      skipped: Sequence[bool] | None) -> list[list[Match]]:
        if not self.use_hyperscan or (len(texts) < 2 and skipped is None):
            return [self.matches(t) for t in texts]  # (one text that skips: the batch path)
        if self._dbs is None:
            self._build()
        out: list[list[Match]] = [[] for _ in texts]
        parts: list[bytes] = []
        starts: list[int] = []
        index: list[int] = []  # text index of each part
        pos = 0
        short = self._short_with if self._presence else None
        hits: list[int] = []
        on_hit = _presence_collector(hits)
        memo = self._short_memo
        for i, text in enumerate(texts):
            if not text:
                continue
            if short is not None and len(text) <= WHOLE_TEXT:
                known = memo.get(text)
                if known is not None:
                    out[i] = list(known)
                    continue
            try:
                b = text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates: the re path, as in matches()
                out[i] = self._re_matches(text, range(len(self.patterns)))
                continue
            if short is not None and len(text) <= WHOLE_TEXT:
                got = out[i] = short(text, b, hits, on_hit)  # a scan of its own: no spans
                if len(memo) >= SHORT_MEMO:
                    memo.clear()  # bounded: start again rather than track ages
                memo[text] = tuple(got)
                continue
            parts.append(b)
            starts.append(pos)
            index.append(i)
            pos += len(b) + len(SEPARATOR)
        if not parts:
            return out
        spans: dict[int, list[list[int]]] = {}
        on_match = _span_collector(spans)
        if self._dbs:
            data = SEPARATOR.join(parts)
            every = skipped is not None and all(skipped[i] for i in index)
            for db, pids in zip(self._dbs, self._db_pids, strict=True):
                if every and pids <= skip:
                    continue  # nothing in it is wanted in any of these texts
                db.scan(data, match_event_handler=on_match)  # type: ignore[attr-defined]
        # (part, pattern) -> spans, still in offsets of the joined buffer (no copy per span)
        local: dict[int, dict[int, list[list[int]]]] = {}
        nparts = len(parts)
        ends = [ks + len(b) for ks, b in zip(starts, parts, strict=True)]
        sep = len(SEPARATOR)
        for pid, lst in spans.items():
            for span in lst:
                s, e = span
                k = bisect_right(starts, s) - 1
                if k >= 0 and (e <= ends[k] or (s < ends[k] and e <= ends[k] + sep)):
                    # the common case: the span lies inside one text, or runs on into the
                    # separator after it only (a run_end prefilter ends one byte after a run)
                    if e > ends[k]:
                        span[1] = ends[k]
                    by_pid = local.get(k)
                    if by_pid is None:
                        local[k] = {pid: [span]}
                    elif (same := by_pid.get(pid)) is None:
                        by_pid[pid] = [span]
                    else:
                        same.append(span)
                    continue
                while k < nparts:
                    ks = starts[k]
                    if ks > e or (ks == e and s < e):
                        break
                    ke = ends[k]
                    if (s < ke and e > ks) or (s == e and ks <= s <= ke):
                        local.setdefault(k, {}).setdefault(pid, []).append(
                            [max(s, ks), min(e, ke)]
                        )
                    k += 1
        compiled = self.compiled
        for k, by_pid in local.items():
            text = texts[index[k]]
            # (a short text is confirmed whole: no offsets to map)
            to_char = _offset_mapper(text, parts[k]) if len(text) > WHOLE_TEXT else _identity
            base = starts[k]
            found: list[Match] = []
            unwanted = skip if skipped is not None and skipped[index[k]] else ()
            for pid, lst in by_pid.items():
                if pid not in unwanted:
                    _confirm(found, pid, compiled[pid], text, lst, to_char, base)
            out[index[k]] = found
        for i in index:
            found = out[i]
            if self._re_only:
                wanted = self._re_only if skipped is None or not skipped[i] else [
                    pid for pid in self._re_only if pid not in skip]
                found.extend(self._re_matches(texts[i], wanted))
            if len(found) > 1:
                # No duplicates to drop: one confirmation per (text, pattern), in disjoint windows,
                # and the re-only patterns are others.
                found.sort(key=_MATCH_ORDER)
        return out

    def _re_matches(self, text: str, indices: Sequence[int] | range) -> list[Match]:
        out: list[Match] = []
        compiled = self.compiled
        for i in indices:
            out.extend((i, m.start(), m.end()) for m in compiled[i].finditer(text))
        out.sort(key=_MATCH_ORDER)
        return out

    def _hyperscan_matches(self, text: str, data: bytes) -> list[Match]:
        if self._dbs is None:
            self._build()
        spans: dict[int, list[list[int]]] = {}
        if self._dbs:
            on_match = _span_collector(spans)
            for db in self._dbs:
                db.scan(data, match_event_handler=on_match)  # type: ignore[attr-defined]
        to_char = _offset_mapper(text, data)
        out: list[Match] = []
        compiled = self.compiled
        for pid, lst in spans.items():
            _confirm(out, pid, compiled[pid], text, lst, to_char, 0)
        if self._re_only:
            out.extend(self._re_matches(text, self._re_only))
        return sorted(set(out), key=_MATCH_ORDER)


def _hs_flags(p: Pattern) -> int:
    assert _hs is not None
    flags = _hs.HS_FLAG_SOM_LEFTMOST | _hs.HS_FLAG_ALLOWEMPTY
    return flags | _hs.HS_FLAG_CASELESS if p.ignore_case else flags


def _compile(entries: Sequence[tuple[int, bytes, int]]) -> object:
    """One block-mode database (from the per-user disk cache when it holds it: hscache)."""
    return hscache.compile_database([e for _, e, _ in entries], [i for i, _, _ in entries],
                                    [f for _, _, f in entries])


@functools.lru_cache(maxsize=32)
def _hyperscan_database(
    patterns: tuple[Pattern, ...], groups: tuple[int, ...]
) -> tuple[tuple[object, ...], frozenset[int], tuple[int, ...], tuple[frozenset[int], ...]]:
    """(databases, ids in them, ids left to re, the ids in each database): one database per
    group of patterns.

    Cached per process: engines share databases (read-only; each scan uses the database's own
    scratch, one thread at a time). Measured with the 39 patterns of the first release: one
    database took 5-7 s to compile (SOM tracking across patterns grows superlinearly), one per
    classifier 0.3 s in all, and scanning 13 databases ran at 80% of the speed of one.
    """
    entries: dict[int, list[tuple[int, bytes, int]]] = {}
    for i, p in enumerate(patterns):
        wide = byte_superset(prefilter(p.regex))
        expr = (run_end(wide) or wide).encode()
        entries.setdefault(groups[i], []).append((i, expr, _hs_flags(p)))
    # Compiled side by side first (a new machine's start-up; nothing to do when the disk cache
    # has them), the presence database too, for every pattern: the one _presence_database asks
    # for unless a pattern is refused below.
    jobs = [*entries.values(), _presence_entries(patterns, range(len(patterns)))]
    hscache.prefetch([([e for _, e, _ in g], [i for i, _, _ in g], [f for _, _, f in g])
                      for g in jobs if g])
    dbs: list[object] = []
    members: list[frozenset[int]] = []
    good: list[int] = []
    bad: list[int] = []
    for group in entries.values():
        try:
            dbs.append(_compile(group))
            members.append(frozenset(i for i, _, _ in group))
            good.extend(i for i, _, _ in group)
            continue
        except _hs.error:
            pass
        ok = []
        for entry in group:  # find the patterns hyperscan cannot take, even as prefilters
            try:
                _compile([entry])
                ok.append(entry)
            except _hs.error as exc:
                log.debug("pattern %s runs with re only: %s", patterns[entry[0]].name, exc)
                bad.append(entry[0])
        if ok:
            dbs.append(_compile(ok))
            members.append(frozenset(i for i, _, _ in ok))
            good.extend(i for i, _, _ in ok)
    return tuple(dbs), frozenset(good), tuple(sorted(bad)), tuple(members)


def _presence_collector(hits: list[int]) -> Callable[[int, int, int, int, object], None]:
    """A hyperscan match handler for the presence database: each pattern is reported once per
    scan (``HS_FLAG_SINGLEMATCH``), and only its index is kept."""
    append = hits.append

    def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
        append(pid)

    return on_match


def _presence_entries(patterns: tuple[Pattern, ...],
                      ids: Iterable[int]) -> list[tuple[int, bytes, int]]:
    assert _hs is not None
    entries = []
    for i in sorted(ids):
        p = patterns[i]
        flags = _hs.HS_FLAG_SINGLEMATCH | _hs.HS_FLAG_ALLOWEMPTY
        flags |= _hs.HS_FLAG_CASELESS if p.ignore_case else 0
        entries.append((i, byte_superset(prefilter(p.regex)).encode(), flags))
    return entries


@functools.lru_cache(maxsize=32)
def _presence_database(patterns: tuple[Pattern, ...], ids: frozenset[int]) -> tuple[object, ...]:
    """Databases that say *which* of the patterns ``ids`` have a prefilter match in a text, each
    pattern reported once (``HS_FLAG_SINGLEMATCH``, no start of match): what a short text needs,
    since it is confirmed whole (:data:`WHOLE_TEXT`). One database for all patterns (without
    start-of-match tracking it compiles in seconds, and is kept by :mod:`classifiers.hscache`);
    per group of patterns if that fails, and none (the span databases then serve short texts
    too) if a pattern is refused here."""
    entries = _presence_entries(patterns, ids)
    if not entries:
        return ()
    try:
        return (_compile(entries),)
    except _hs.error as exc:
        log.debug("no presence database for short texts: %s", exc)
        return ()


# Short texts whose matches are remembered per pattern set (a worker's table cells repeat:
# amounts, dates, codes); the matches of a text are a pure function of it.
SHORT_MEMO = 16384

# A text this short (a table cell, a JSON value) is confirmed whole: cutting it into windows
# costs more than running the pattern over all of it, which is what the re back end does anyway.
WHOLE_TEXT = 64


def _confirm(found: list[Match], pid: int, rx: re.Pattern[str], text: str,
             spans: list[list[int]], to_char: object, base: int) -> None:
    """Append the matches of ``rx`` in ``text`` where its prefilter ``spans`` say to look."""
    n = len(text)
    if n <= WHOLE_TEXT:
        for m in rx.finditer(text):
            s, e = m.span()
            found.append((pid, s, e))
        return
    for a, b in _windows(spans, to_char, n, base):
        for m in rx.finditer(text, a, b):
            s, e = m.span()
            found.append((pid, s, e))


def _windows(
    spans: list[list[int]], to_char: object, n: int, base: int = 0
) -> list[tuple[int, int]]:
    """Byte spans (offsets in the text's UTF-8 bytes plus ``base``) -> merged character windows
    widened by MARGIN."""
    if to_char is not _identity:  # non-ASCII text: map to character offsets first
        conv = to_char  # callable(int) -> int
        spans = [[conv(s - base), conv(e - base)] for s, e in spans]  # type: ignore[operator]
        base = 0
    wins: list[tuple[int, int]] = []
    low, high = base + MARGIN, base + n - MARGIN
    for s, e in sorted(spans):
        a = s - low if s > low else 0
        b = e - base + MARGIN if e < high else n
        if wins and a <= wins[-1][1]:
            if b > wins[-1][1]:
                wins[-1] = (wins[-1][0], b)
        else:
            wins.append((a, b))
    return wins


def _offset_mapper(text: str, data: bytes) -> object:
    """A function from a UTF-8 byte offset of ``data`` to a ``str`` offset of ``text``."""
    if len(data) == len(text):  # ASCII: identical offsets
        return _identity
    # Runs of non-ASCII characters: (byte start, byte end, char start, char end). Outside runs the shift
    # between byte and char offsets is constant; inside a run the prefix is decoded.
    bstarts: list[int] = []
    runs: list[tuple[int, int, int, int]] = []
    b = 0
    last = 0
    for m in _NON_ASCII.finditer(text):
        b += m.start() - last
        nbytes = len(m.group().encode("utf-8"))
        bstarts.append(b)
        runs.append((b, b + nbytes, m.start(), m.end()))
        b += nbytes
        last = m.end()

    def conv(off: int) -> int:
        k = bisect_right(bstarts, off) - 1
        if k < 0:
            return off
        bs, be, cs, ce = runs[k]
        if off >= be:  # after the run: constant shift
            return ce + (off - be)
        return cs + len(data[bs:off].decode("utf-8", errors="ignore"))

    return conv


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _identity(off: int) -> int:
    return off
