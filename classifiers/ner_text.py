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


# After a one-word PERSON that starts a sentence: the verbs that say it is a person ("Scott is").
_PERSON_NEXT = re.compile(
    r"(?:is|was|has|had|have|said|says|told|asks|asked|came|went|will|would|can|could|did|does|"
    r"and|or|who|lives|lived|works|worked|wrote|writes|called|replied|answered|agreed|left|"
    r"joined|moved|met|gave|gets|got|takes|took|made|makes|wants|likes|loves|knows|thinks)\b",
    re.IGNORECASE,
)



# -- PERSON spans -------------------------------------------------------------------------------
# "Hayes and Sons", "Morales Group", "Owens PLC", "Smith & Co.": the name of a firm.
_ORG_AFTER = re.compile(
    r"[ \t]*,?[ \t]*(?:(?:and|&)[ \t]+(?:Sons|Co\b|Company|Partners|Associates|Daughters)|"
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
    words = span.split()
    if not words or _NOT_A_NAME_WORD.fullmatch(words[-1]):
        return None
    if _ORG_AFTER.match(text, end):
        return None
    if value_unit and _LOWER_AFTER.match(text, end):
        return None
    if len(words) == 1:
        if _LABEL_AFTER.match(text, end):
            return None
        before = text[max(0, start - 12):start]
        if (start == 0 or _SENTENCE_START_BEFORE.search(before)) and not _TITLE_BEFORE.search(before):
            rest = text[end:end + 40]
            if re.match(r"[ \t]+[a-z]", rest) and not _PERSON_NEXT.match(rest.lstrip()):
                return None
    return start, end


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
        if not _ORG_AFTER.match(text, s + len(text[s:e].split()[0])) and not _ORG_WORD.search(
            text[s:e]
        ):
            yield s, e


_ORG_WORD = re.compile(
    r"\b(?:Inc|LLC|Ltd|Limited|PLC|Group|Corp|Corporation|GmbH|Holdings|Team|Support|Service|"
    r"Services|Sales|Info|Admin|Office|Department|Newsletter|Notifications?|News|Bank|University)\b"
)
