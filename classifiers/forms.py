"""Labelled fields in free text: a form, an ID card, a scanned letter ("Name: Noah Hughes",
"Patient name - Jane Roe", "Next of kin: Mary Jones"). The label says the value is a person's
name, which spaCy's small model often misses on such terse lines (it read "Noah Hughes\\n\\nDate"
on a scanned card as an ORG). ``FORM-FIELD`` reports the name after the label on the same line
when it looks like one: one to four capitalised words (initials allowed), nothing after it but
the line's end or punctuation.

Two more shapes say the same where NER does not run (log lines) or reads badly (chat lines):
a quoted value under a key that names a person's name in a log or text line
(``name="Zdravko Lavrič"``, ``"fullName": "Ana Ruiz"``, ``customer_name='Jane Roe'``), and the
sender of a chat export's line (WhatsApp's ``[19/12/2025, 08:17:13] Papp István: ...`` and
``19/12/2025, 08:17 - Papp István: ...``). Both take the value when it looks like a person's
name (two to four capitalised words, no digits: :func:`scanner.column_vocab.looks_like_person_name`),
and ``name`` alone also needs no catalogue word before it on its line ("product", "service",
"file"...)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from classifiers.base import Candidate, Pattern, PatternClassifier
from scanner import entities as entity_table
from scanner.column_vocab import looks_like_person_name
from scanner.models import Detection

_WORD = r"(?:[A-Z][a-z\u00e0-\u00ff]+(?:[-'\u2019][A-Z]?[a-z\u00e0-\u00ff]+)*|[A-Z]\.)"
_LABEL = (r"(?:(?:full|legal|employee|patient|candidate|applicant|customer|client|member|"
          r"student|tenant|account\s+holder|card\s*holder|passenger|claimant|staff|contact)\s+)?"
          r"(?:name|surname|forenames?|given\s+names?|family\s+name)|next\s+of\s+kin|"
          r"emergency\s+contact|name\s+of\s+(?:employee|patient|applicant|holder)")
# Keys whose quoted value is a person's name ("name" alone: see _CATALOGUE_BEFORE).
_KEYS = (r"(?:(?:full|display|customer|contact|person|owner|holder|patient|employee|"
         r"member|client|sender|recipient|payer|payee|author|assignee|requester)[_-]?name|"
         r"fullname|cardholder|account[_-]?holder|name)")
# A chat export's time stamp: "19/12/2025, 08:17:13", "12/19/25, 8:17 PM".
_CHAT_TIME = r"[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{2,4},? [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s?[AaPp][Mm])?"
_QUOTED = re.compile(r"[\"']([^\"'\n]+)[\"']$")
# Words before a bare "name" key on its line that make it a thing's name, not a person's.
_CATALOGUE_BEFORE = re.compile(
    r"\b(?:product|item|service|app|application|file|host|server|bucket|queue|topic|job|task|"
    r"table|column|field|module|class|function|package|image|container|pod|node|cluster|"
    r"project|repo|branch|device|printer|model|company|org|organi[sz]ation|vendor|brand|"
    r"event|metric|feature|plan|role|group|team|campaign|template|db|database|schema)\b",
    re.IGNORECASE)
_NAME = re.compile(rf"{_WORD}(?:[ \t]+(?:van|von|de|da|di|del|le|la|bin|al|{_WORD})){{0,3}}")


class FormFieldClassifier(PatternClassifier):
    id = "FORM-FIELD"
    order = 300  # run order in its stage (classifiers/registry.py)
    entities: ClassVar[Mapping[str, str]] = entity_table.categories(("PERSON",))
    patterns = (
        Pattern("labelled name",
                rf"(?im:^[ \t]*(?:{_LABEL})[ \t]*[:\-\u2013][ \t]*{_WORD}"
                rf"(?:[ \t]+(?:van|von|de|da|di|del|le|la|bin|al|{_WORD})){{0,3}}[ \t]*[.,;]?[ \t]*$)",
                "PERSON", 0.8),
        Pattern("keyed name", rf"(?<![\w.-])(?i:{_KEYS})[\"']?[ \t]?[=:][ \t]?[\"'][^\"'\n]{{2,60}}[\"']",
                "PERSON", 0.7),
        Pattern("chat sender", rf"(?m:^(?:\[{_CHAT_TIME}\]|{_CHAT_TIME} -) [^:\n]{{2,60}}: )",
                "PERSON", 0.7),
    )

    def validate(self, candidate: Candidate) -> Detection | None:
        if candidate.pattern.name != "labelled name":
            return self._quoted_or_sender(candidate)
        value = candidate.value
        sep = re.search(r"[:\-\u2013]", value)
        if sep is None:
            return None
        m = _NAME.search(value, sep.end())
        if m is None:
            return None
        start, end = candidate.start + m.start(), candidate.start + m.end()
        label = " ".join(value[: sep.start()].split()).lower()
        return Detection(
            entity="PERSON",
            start=start,
            end=end,
            score=candidate.pattern.score,
            detector=self.id,
            explanation=f"{self.id}: pattern {candidate.pattern.name}; label '{label}'",
            value=candidate.unit.text[start:end],
        )

    def _quoted_or_sender(self, candidate: Candidate) -> Detection | None:
        text, value = candidate.unit.text, candidate.value
        if candidate.pattern.name == "keyed name":
            m = _QUOTED.search(value)
            if m is None:
                return None
            name, offset = m.group(1), m.start(1)
            key = value[: value.find(m.group(0)[0])].rstrip("\"' \t=:").lower()
            if key == "name":
                line_start = text.rfind("\n", 0, candidate.start) + 1
                if _CATALOGUE_BEFORE.search(text, line_start, candidate.start):
                    return None  # product name="Widget Pro", service ... name='Billing API'
            why = f"key '{key}'"
        else:
            end = value.rindex(":")
            head = value.index("]") + 2 if value.startswith("[") else value.index(" - ") + 3
            name, offset, why = value[head:end], head, "chat line's sender"
        stripped = name.strip()
        offset += name.find(stripped)
        if not looks_like_person_name(stripped):  # (which refuses "Acme Holdings Ltd" too)
            return None
        start = candidate.start + offset
        return Detection(
            entity="PERSON",
            start=start,
            end=start + len(stripped),
            score=candidate.pattern.score,
            detector=self.id,
            explanation=f"{self.id}: pattern {candidate.pattern.name}; {why}",
            value=stripped,
        )


CLASSIFIERS: tuple[type[PatternClassifier], ...] = (FormFieldClassifier,)
