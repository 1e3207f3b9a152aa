"""Which text the NER model reads, and how its PERSON spans are checked (:mod:`classifiers.ner`).

* :func:`pieces` cuts a unit's text into pieces of at most :data:`PIECE_CHARS` characters, after a
  line end where there is one (else after a sentence end, else after a space). spaCy's working
  memory grows with the length of the docs in a batch: 65,000-character docs in batches of 32 took
  a worker to 870 MB; 2,000-character pieces keep it near 200 MB and are faster too (measured on
  the dense benchmark corpus: 4.3 s of CPU instead of 5.9 s for 250,000 characters of prose).
* :func:`person_span` corrects or rejects one PERSON entity: a span that runs over a line end is
  cut at it ("Kimberly Reese\\nRanger" in a signature block is the name and the next line's
  job title), and a name that is part of an organisation's name ("Hayes and Sons", "Morales
  Group") or a field value's phrase ("Hydrographic surveyor") is none.
* :func:`mail_names` finds the display name of a mail address ("Mary Everett <mary@x.org>" in a
  From or To line), which the small model mostly misses.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

PIECE_CHARS = 2000

# -- pieces -------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s")


def pieces(text: str, size: int = PIECE_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) pieces of at most ``size`` characters that join back into ``text``; each
    is cut after the last line end in its second half, else after its last sentence end there,
    else after its last space (a run of ``size`` characters with none is cut where it is)."""
    start, n = 0, len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            half = start + size // 2
            cut = text.rfind("\n", half, end)
            if cut < 0:
                ends = [m.end() - 1 for m in _SENTENCE_END.finditer(text, half, end)]
                cut = ends[-1] if ends else text.rfind(" ", half, end)
            if cut >= 0:
                end = cut + 1
        yield start, text[start:end]
        start = end


# -- the sentences that can hold a name --------------------------------------------------------
# A sentence ends at a line end, or after . ! ? (and closing quotes or brackets) and a space -- but
# not after a title or an initial ("Mr. Smith", "J. Smith"): the name belongs to that sentence.
# The lookahead first: the eight lookbehinds are tried only where a . ! or ? is (6x faster on the
# department share's prose, the same cuts: tests/classifiers/test_ner_speed.py).
_SENTENCE_CUT = re.compile(
    r"\n|(?=[.!?])(?<![A-Z])(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bProf)(?<!\bRev)(?<!\bMx)"
    r"[.!?]+[\"')\]\u2019\u201d]*[ \t]+"
)
# A word's first letter (letters only: "3rd" and "x2762" are no words that could be a name).
_WORD_START = re.compile(r"(?<![\w'\u2019@./\\-])[^\W\d_]")
_CAP_START = re.compile(r"(?<![\w'\u2019@./\\-])[^\W\d_a-z]")  # _WORD_START less a-z
_WORD_TAIL = re.compile(r"(?:[^\W_]|['\-\u2019])*")  # letters, digits (str.isalnum) and ' - \u2019
_LEAD = re.compile(r"[\s\-*#>\u2022\u2013\"'(\[]*")


def name_end(sentence: str) -> int:
    """0 when the model could find no name in ``sentence`` that :func:`person_span` keeps, else
    where the model may stop reading it: :data:`WORDS_AFTER` words after its last capitalised
    word (the rest of the sentence is numbers, codes and ordinary words that change no name).

    A sentence can hold a name when it has a capitalised word that is not its first ("for the
    order of Jane Roe", "the French team"), or a capitalised first word that is not followed by
    an ordinary word, a number or a code ("Scott is", "John:", "Jane Roe"; not "Order 7731
    shipped", "Call 555 ...", "Please charge"). Acronyms and codes of two to four capitals
    ("EUR", "INV", "IBAN") do not count. A year that stands alone ("in 1972", "May 1st,
    1977"; not the year of "2022-02-20T04:30:33") and a month that starts a sentence make
    the model read up to them too: it tags them as dates."""
    return name_span(sentence)[1]


def name_span(sentence: str) -> tuple[int, int]:
    """(begin, end) of what the model reads of ``sentence`` (:func:`name_end`); ``begin`` is
    :data:`WORDS_BEFORE_NAME` words before the first word that can start a name (the words
    before are numbers, codes and ordinary words: "Please charge card 2283000597972128 for the
    order of Jane Roe" is read from "the order of")."""
    lead = _LEAD.match(sentence).end()  # type: ignore[union-attr]
    last, begin = -1, -1
    m0 = _WORD_START.search(sentence, lead)
    # The first word, then only the words that may be capitalised (no ASCII lower-case start).
    words = () if m0 is None else itertools.chain((m0,), _CAP_START.finditer(sentence, m0.end()))
    first = True
    for m in words:
        if m.group().isupper():
            end = _WORD_TAIL.match(sentence, m.end()).end()  # type: ignore[union-attr]
            word = _LETTERS.match(sentence, m.start()).group()  # type: ignore[union-attr]
            if (2 <= len(word) <= 4 and word.isupper()) or _DIGIT.search(sentence, m.start(), end):
                pass  # an acronym or a code ("EUR", "INV-96529", "B2C"), not a name
            elif not first or not _ORDINARY_NEXT.match(sentence, end) or _PERSON_NEXT.match(
                    sentence[end:end + 40].lstrip()) or _MONTH.fullmatch(word):
                last = end
                if begin < 0:
                    begin = m.start()
        first = False
    for y in _YEAR.finditer(sentence):  # a date the model may tag ("in 1972", "May 1st, 1977")
        last = max(last, y.end())
        begin = y.start() if begin < 0 else min(begin, y.start())
    if last < 0:
        return 0, 0
    for _, m in zip(range(WORDS_AFTER), _NEXT_WORD.finditer(sentence, last), strict=False):
        last = m.end()
    if len(sentence[last:].split()) <= 2:
        last = len(sentence)  # little left: read it all, and the next sentence with it
    starts = [w.start() for w in _SPAN_WORD.finditer(sentence, lead, begin)]
    begin = starts[-WORDS_BEFORE_NAME] if len(starts) > WORDS_BEFORE_NAME + 1 else 0
    return begin, last


WORDS_BEFORE_NAME = 3  # words read before the first word that can start a name (1 found the
# same names on the benchmark corpora but lost PERSON F on presidio-research's sentences: 0.704, not 0.709)


_YEAR = re.compile(r"(?<![\w.\-/:])(?:1[89]|20)[0-9]{2}(?![0-9]|[-/.:][0-9])")
_MONTH = re.compile(r"January|February|March|April|May|June|July|August|September|October|"
                    r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
WORDS_AFTER = 1  # words read after the last capitalised one (1, 2 and 4 find the same names;
# with 1, PERSON on presidio-research's sentences: P 0.768, R 0.659, F 0.709; with 2: 0.773, 0.655, 0.709)
_NEXT_WORD = re.compile(r"\s*\S+")


def can_hold_name(sentence: str) -> bool:
    """True when the model could find a name in ``sentence`` (:func:`name_end`)."""
    return name_end(sentence) > 0


# After a sentence's first word: an ordinary word, a number or a code ("Order 7731", "Call
# (555)", "Please charge"): that word is no name.
_ORDINARY_NEXT = re.compile(r"[ \t]+(?:[a-z0-9(+#$\u00a3\u20ac]|[A-Z]{2,4}(?![a-z]))")
_LETTERS = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"[0-9]")


def name_pieces(text: str, size: int = PIECE_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) for the parts of ``text`` the model reads: each sentence that can hold a
    name, up to where it may stop reading it (:func:`name_end`), consecutive ones joined, cut
    into pieces of at most ``size`` characters (:func:`pieces`). On business prose two
    sentences in three are numbers, codes and ordinary words ("Order 7731 was packed in 4
    boxes."), and the model's cost grows with the tokens it reads. Equivalence with the whole
    text: tests/classifiers/test_ner_pieces.py."""
    run_start = run_end = -1
    pos, n = 0, len(text)
    while pos < n:
        m = _SENTENCE_CUT.search(text, pos)
        end = m.end() if m else n
        begin, stop = name_span(text[pos:end])
        if stop:
            if run_end != pos or begin:
                if run_start >= 0:
                    yield from _offset(run_start, pieces(text[run_start:run_end], size))
                run_start = pos + begin if begin else _words_before(text, pos, max(run_end, 0))
            run_end = pos + stop
            if pos + stop < end:  # cut short: the next sentence starts a new run
                yield from _offset(run_start, pieces(text[run_start:run_end], size))
                run_start = run_end = -1
        pos = end
    if run_start >= 0:
        yield from _offset(run_start, pieces(text[run_start:run_end], size))


WORDS_BEFORE = 1  # context read before a run: a name that starts a doc is often missed
_WORD_BEFORE = re.compile(r"\S+\s*$")


def _words_before(text: str, pos: int, floor: int) -> int:
    """Where to start reading for a run at ``pos``: :data:`WORDS_BEFORE` words earlier (not
    before ``floor``, the end of the previous run): with "spent.\\nKimberly Reese" the model
    finds the name that it misses in "Kimberly Reese" alone, and on presidio-research's
    sentences one word before a run gave the PERSON precision of the whole text (0.76, not
    0.74 without it)."""
    start = pos
    for _ in range(WORDS_BEFORE):
        lo = max(floor, start - 60)
        m = _WORD_BEFORE.search(text, lo, start)
        if m is None or m.start() >= start:
            break
        start = m.start()
    if start < pos and _DIGIT.search(text, start, pos) and not _DATE_WORD.search(text, start, pos):
        # a number or a code ("+1-237-380-8105x2762.", "order 8253483191."): spaCy makes up to
        # eight tokens of it and no name of them; its closing mark says where a sentence ends
        word = text[start:pos].rstrip()
        keep = len(word)
        while keep and not word[keep - 1].isalnum():
            keep -= 1
        return start + keep if keep < len(word) else pos
    return start


# A date or a timestamp in a word before a run ("2020-07-13.", "13/08/2025"): still read, the
# model tags it DATE (kept by classifiers.ner.keep_entity).
_DATE_WORD = re.compile(r"(?:1[89]|20)[0-9]{2}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4}")


def _offset(base: int, got: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    for off, piece in got:
        yield base + off, piece


# After a one-word PERSON that starts a sentence: the verbs that say it is a person ("Scott is").
_PERSON_NEXT = re.compile(
    r"(?:is|was|has|had|have|said|says|told|asks|asked|came|went|will|would|can|could|did|does|"
    r"and|or|who|lives|lived|works|worked|wrote|writes|called|replied|answered|agreed|left|"
    r"joined|moved|met|gave|gets|got|takes|took|made|makes|wants|likes|loves|knows|thinks)\b",
    re.IGNORECASE,
)



# -- PERSON spans -------------------------------------------------------------------------------
# "Hayes and Sons", "Morales Group", "Owens PLC", "Smith & Co.": the name of a firm.
ORG_AFTER = re.compile(
    r"[ \t]*,?[ \t]*\n?[ \t]*(?:(?:and|&)[ \t]+(?:Sons|Co\b|Company|Partners|Associates|Daughters)|"
    r"(?:Inc|LLC|LLP|Ltd|Limited|PLC|plc|Group|Corp|Corporation|GmbH|AG|SA|SAS|BV|NV|Holdings|"
    r"Industries|Enterprises|Solutions|Consulting|Partners|Associates)\b)"
)
# In a field value, a name is not followed by a lower-case word ("Hydrographic surveyor",
# "Librarian, public": a job title).
_LOWER_AFTER = re.compile(r"[ \t]*,?[ \t]*[a-z]")


# The last word of a firm's name, or a title or label that is no name by itself.
_NOT_A_NAME_WORD = re.compile(
    r"(?:Inc|LLC|LLP|Ltd|Limited|PLC|Group|Corp|Corporation|GmbH|Holdings|Sons|Partners|"
    r"Associates|Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Tel|Fax|Mob|Mobile|Phone|Email|Ref)\.?"
)
# Before a word that starts a sentence: the text's start, a sentence end, a line start (with a
# bullet or a heading mark).
_SENTENCE_START_BEFORE = re.compile(r"(?:^|[.!?:][\"')\]]*\s+|\n)[ \t]*(?:[-*#>\u2022\u2013]+[ \t]*)?$")
_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Rev|St)\.?\s+$",
                           re.IGNORECASE)
# A label before a number ("Tel. 555 0100", "Ref: 2231").
_LABEL_AFTER = re.compile(r"\.?[ \t]*[:#]?[ \t]*[+(0-9]")


def person_span(text: str, start: int, end: int, value_unit: bool) -> tuple[int, int] | None:
    """The (start, end) to report for a PERSON entity at ``text[start:end]``, or None when it
    is not a person's name: its first line only (a name does not run over a line end); none
    when it is part of a firm's name ("Hayes and Sons", "Kim Inc"), a title or a label alone
    ("Mrs", "Tel. 555 ..."), a field value's phrase ("Hydrographic surveyor"), or one word that
    starts a sentence and is followed by an ordinary lower-case word rather than by what
    follows a name ("Salary for ...", "Meeting notes"; "Scott is" stays)."""
    span = text[start:end]
    cut = span.find("\n")
    if cut >= 0:  # a name does not run over a line end: keep its first line
        head = span[:cut].rstrip()
        if not head.strip():
            return None
        end = start + len(head)
        span = text[start:end]
    if span.endswith(".") and len(span) > 3 and span[-3] != " ":  # "Andrew Hardy." at a doc end
        end -= 1
        span = span[:-1]
    if _cased_line(text, start):
        got = _trim_lower(text, start, end)
        if got is None:
            return None  # "begin mouth", "skill evening": ordinary words, no name
        start, end = got
        span = text[start:end]
    words = span.split()
    if not words or _NOT_A_NAME_WORD.fullmatch(words[-1]):
        return None
    if len(words) == 1 and len(words[0].rstrip(".")) < 2:
        return None  # "I.": an initial alone
    if ORG_AFTER.match(text, end) or in_firm_name(text, start, end):
        return None
    if value_unit and _LOWER_AFTER.match(text, end):
        return None
    if in_title_case_heading(text, start, end):
        return None
    if len(words) == 1:
        if _LABEL_AFTER.match(text, end):
            return None
        before = text[max(0, start - 12):start]
        if _HYPHEN_NAME.fullmatch(span) and not _TITLE_BEFORE.search(before):
            return None  # "Maddox-Robbins agreed": a firm, or a surname without a first name
        if (start == 0 or _SENTENCE_START_BEFORE.search(before)) and not _TITLE_BEFORE.search(before):
            rest = text[end:end + 40]
            if re.match(r"[ \t]+[a-z]", rest) and not _PERSON_NEXT.match(rest.lstrip()):
                return None
    return start, end


def _cased_line(text: str, pos: int) -> bool:
    """True when the line at ``pos`` has an upper-case letter: there a name is capitalised. In
    a text written all in lower case ("my name is lena andersson") the model decides alone."""
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    line = text[lo:] if hi < 0 else text[lo:hi]
    return line != line.lower()


_SPAN_WORD = re.compile(r"\S+")


def _trim_lower(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``text[start:end]`` without the lower-case words at its ends ("ex-Zombie Lundberg" ->
    "Lundberg", "Darijo Curin \u05d2\u20ac" -> "Darijo Curin"; a particle before a name stays:
    "van de Noort"), or None when what is left has no capitalised word or a lower-case word
    that is no particle inside it ("letter a. Budget" -> "Budget"; "begin mouth" -> None)."""
    words = [(m.start(), m.end(), m.group()) for m in _SPAN_WORD.finditer(text, start, end)]
    while words and not words[-1][2][0].isupper():
        words.pop()
    while words and not words[0][2][0].isupper() and words[0][2] not in _PARTICLES:
        words.pop(0)
    if not words or not any(w[0].isupper() for _, _, w in words):
        return None
    if not all(w[0].isupper() or w in _PARTICLES for _, _, w in words):
        return None
    return words[0][0], words[-1][1]


# Lower-case words inside a name: "Maria de la Cruz", "Ludwig van Beethoven".
_PARTICLES = frozenset({"de", "del", "della", "der", "den", "di", "da", "das", "dos", "du", "la", "le",
                        "van", "von", "vom", "zu", "ter", "ten", "bin", "ibn", "al", "el", "y", "e"})
_CAP_WORD = r"[A-Z][a-z\u00e0-\u00ff]+(?:['\u2019][A-Z]?[a-z\u00e0-\u00ff]+)?"
# "Aguirre, Wilson and Jones", "Smith, Walker & Hobbs": one-word names in a list of three, the
# form of a firm of partners. Not preceded by another capitalised word ("Jane Smith, Tom Jones
# and ..." lists people with their first names).
_PARTNERS = re.compile(
    rf"(?<![A-Za-z\u00c0-\u00ff][ \t])(?<![\w-])(?:{_CAP_WORD},\s+){{1,3}}{_CAP_WORD},?\s+(?:and|&)\s+{_CAP_WORD}"
    r"(?![\w-])(?![ \t]+[A-Z][a-z])"
)
# "Maddox-Robbins", "Collins-Flores": two capitalised names joined by a hyphen.
_HYPHEN_NAME = re.compile(rf"{_CAP_WORD}-{_CAP_WORD}")
_JOINED = re.compile(r"-[A-Z]")


def in_firm_name(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is (part of) a firm's name of the forms "X, Y and Z" or
    "X-Y", or one part of a hyphenated name ("Collins" in "Collins-Flores")."""
    return firm_name_span(text, start, end) is not None


_HYPHENATED = re.compile(r"[^\W\d_][\w'\u2019]*(?:-[^\W\d_][\w'\u2019]*)+")


def firm_name_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The (start, end) of the firm's name that :func:`in_firm_name` finds ``text[start:end]``
    in: the hyphenated word, or the list of partners; None when it finds none."""
    if _JOINED.match(text, end) or (start > 1 and text[start - 1] == "-" and text[start - 2].isalpha()):
        lo = start
        while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] in "-'\u2019"):
            lo -= 1
        m = _HYPHENATED.match(text, lo)
        return (m.start(), m.end()) if m and m.end() >= end else (start, end)
    lo = max(0, start - 80)
    for m in _PARTNERS.finditer(text, lo, min(len(text), end + 80)):
        if m.start() <= start and end <= m.end():
            return None if _people_list(text, m.start(), m.group()) else (m.start(), m.end())
        if m.start() > end:
            break
    return None


# Before a list of one-word names: words that say the list is of people ("our 3 founders:
# Kónya, Becker and Vasquez", "the children Anna, Erik and Amy").
_PEOPLE_BEFORE = re.compile(
    r"\b(?:(?:co-?)?founders?|children|kids|sons|daughters|brothers|sisters|siblings|members|"
    r"attendees|authors|participants|speakers|guests|players|students|friends|colleagues|"
    r"employees|people|persons|they had|signed by|present|apologies|attended by|with)\b"
    r"[^.!?\n]{0,24}$",
    re.IGNORECASE,
)
_LIST_ITEM_BEFORE = re.compile(r"[^\W\d_][\w'\u2019-]*,[ \t]*$")


def _people_list(text: str, start: int, found: str) -> bool:
    """True when the list at ``text[start:]`` is of people, not a firm of partners: a context
    word before it, or more than four names in it (a firm's name has three; a job title may
    precede it in a signature: "Counsellor, Martinez, Hunt and Reynolds")."""
    if _PEOPLE_BEFORE.search(text, max(0, start - 60), start):
        return True
    items, pos = found.count(",") + 1, start
    while items <= 4 and (m := _LIST_ITEM_BEFORE.search(text, max(0, pos - 40), pos)):
        items, pos = items + 1, m.start()
    return items > 4


_HEADING = re.compile(r"[ \t]*#{1,6}[ \t]+(.*)")


def in_title_case_heading(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is in a Markdown heading of three or more words in title
    case ("## Whiteboard Killer Synergies", "## Deploy Plug-And-Play Roi"): a phrase, not a
    name. A heading of two words ("# Jane Roe") or with lower-case words ("## Minutes of the
    meeting with Jane Roe") is not one."""
    line_start = text.rfind("\n", 0, start) + 1
    if text.find("#", line_start, start) < 0:
        return False
    line_end = text.find("\n", end)
    m = _HEADING.fullmatch(text, line_start, len(text) if line_end < 0 else line_end)
    if m is None:
        return False
    words = m.group(1).split()
    return len(words) >= 3 and all(w[0].isupper() for w in words)


# -- mail display names -------------------------------------------------------------------------
_NAME_WORD = r"[A-Z][a-z\u00e0-\u00ff]+(?:[-'\u2019][A-Z]?[a-z\u00e0-\u00ff]+)*"
MAIL_NAME = re.compile(
    rf"(?m)(?:^|(?<=[:,])[ \t]*)[ \t]*\"?(?P<name>{_NAME_WORD}(?:[ \t]+(?:[A-Z]\.|{_NAME_WORD})){{1,3}})"
    r"\"?[ \t]*<[^<>@\s]+@[^<>@\s]+>"
)


def mail_names(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each display name of a mail address ("Mary Everett <mary@x.org>"): two to
    four capitalised words at a line start or after a colon or comma, right before the address
    in angle brackets. A firm's name ("Hayes and Sons <info@...>") is none."""
    for m in MAIL_NAME.finditer(text):
        s, e = m.span("name")
        if not ORG_AFTER.match(text, s + len(text[s:e].split()[0])) and not _ORG_WORD.search(
            text[s:e]
        ):
            yield s, e


_ORG_WORD = re.compile(
    r"\b(?:Inc|LLC|Ltd|Limited|PLC|Group|Corp|Corporation|GmbH|Holdings|Team|Support|Service|"
    r"Services|Sales|Info|Admin|Office|Department|Newsletter|Notifications?|News|Bank|University)\b"
)
