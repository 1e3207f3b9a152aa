"""Draft a policy pack from the text of a privacy policy, for a DPO to edit.

Headings (short lines without a final full stop) become clause titles; each paragraph whose
wording matches the keyword table (``config/policies/_keywords.yaml``) becomes a clause with the
suggested category rules, its first matching sentence as the quote, and a note naming the words
that suggested each category. Paragraphs that name no data are left out of the draft.

:func:`overlap` measures a draft against a hand-made pack: which (clause, category) suggestions
the hand-made pack agrees with (precision) and which of its rules the draft found (recall).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from scanner.policy import PolicyError, PolicyPack, Rule, known_categories, parse_pack

_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")
_SLUG = re.compile(r"[^a-z0-9]+")
MAX_QUOTE = 400


@dataclass(frozen=True)
class Keyword:
    pattern: re.Pattern[str]
    categories: tuple[str, ...]


@dataclass
class DraftClause:
    id: str
    title: str
    quote: str
    paragraph: str  # the paragraph the clause was drafted from (verbatim)
    categories: dict[str, list[str]] = field(default_factory=dict)  # category -> words seen

    def to_dict(self) -> dict[str, object]:
        words = "; ".join(f"{c}: {', '.join(sorted(set(w)))}" for c, w in self.categories.items())
        return {
            "id": self.id,
            "title": self.title,
            "quote": self.quote,
            "note": f"DRAFT - suggested from the words: {words}",
            "rules": [{"category": c} for c in self.categories],
        }


@lru_cache(maxsize=1)
def keyword_table() -> tuple[Keyword, ...]:
    text = resources.files("config").joinpath("policies", "_keywords.yaml").read_text()
    known = known_categories()
    out = []
    for i, entry in enumerate((yaml.safe_load(text) or {}).get("keywords", [])):
        cats = tuple(entry["categories"])
        bad = [c for c in cats if c not in known]
        if bad:
            raise PolicyError(f"_keywords.yaml entry {i}: unknown category {bad[0]!r}")
        out.append(Keyword(re.compile(entry["pattern"], re.IGNORECASE), cats))
    return tuple(out)


def _is_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 8 and len(line) <= 70 and not line.rstrip().endswith((".", ",", ";", ":"))


def _slug(text: str, max_words: int = 6) -> str:
    words = _SLUG.sub(" ", text.lower()).split()[:max_words]
    return "-".join(words) or "clause"


def _quote(paragraph: str, first_hit: int) -> str:
    for m in _SENTENCE.finditer(paragraph):
        if m.start() <= first_hit < m.end():
            sentence = m.group().strip()
            return sentence if len(sentence) <= MAX_QUOTE else sentence[:MAX_QUOTE].rstrip() + " …"
    return paragraph[:MAX_QUOTE].strip()


def _hits(line: str) -> tuple[dict[str, list[str]], int]:
    hits: dict[str, list[str]] = {}
    first = len(line)
    for kw in keyword_table():
        for m in kw.pattern.finditer(line):
            first = min(first, m.start())
            for cat in kw.categories:
                hits.setdefault(cat, []).append(m.group().lower())
    return hits, first


def draft_clauses(text: str) -> list[DraftClause]:
    """Clauses for each paragraph of ``text`` that names personal data.

    A heading that itself names data ("Cookies") lends its categories to the paragraph under it;
    standing alone (a list item such as "Internet protocol address"), it is a clause of its own.
    """
    lines = [" ".join(raw.split()) for raw in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if lines and _is_heading(lines[0]):
        lines = lines[1:]  # the document's title, not a section heading
    heading = ""
    pending: tuple[str, dict[str, list[str]]] | None = None  # a heading that names data
    used: set[str] = set()
    clauses: list[DraftClause] = []

    def add(title: str, id_text: str, quote: str, paragraph: str,
            hits: dict[str, list[str]]) -> None:
        cid = base = _slug(id_text)
        n = 2
        while cid in used:
            cid, n = f"{base}-{n}", n + 1
        used.add(cid)
        clauses.append(DraftClause(cid, title, quote, paragraph, hits))

    def flush_pending() -> None:
        nonlocal pending
        if pending is not None:
            add(pending[0], pending[0], pending[0], pending[0], pending[1])
            pending = None

    for line in lines:
        hits, first = _hits(line)
        if _is_heading(line) and (not hits or len(line.split()) <= 4):
            flush_pending()
            heading = line
            if hits:
                pending = (line, hits)
            continue
        if pending is not None:
            merged = {c: list(w) for c, w in pending[1].items()}
            for c, w in hits.items():
                merged.setdefault(c, []).extend(w)
            quote = _quote(line, first) if hits else pending[0]
            add(heading, heading, quote, f"{pending[0]} {line}", merged)
            pending = None
            continue
        if hits:
            title = heading or " ".join(line.split()[:8])
            add(title, title if heading else line, _quote(line, first), line, hits)
    flush_pending()
    return clauses


def draft_pack(text: str, pack_id: str, title: str = "", source: str = "") -> dict[str, object]:
    """A pack as a dict (validated: it loads with :func:`scanner.policy.parse_pack`)."""
    if not title:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        title = first if _is_heading(first) else pack_id
    clauses = draft_clauses(text)
    if not clauses:
        raise PolicyError("no paragraph of the policy names personal data the keyword table knows")
    data: dict[str, object] = {
        "id": pack_id,
        "title": title,
        "source": source,
        "version": "draft",
        "clauses": [c.to_dict() for c in clauses],
    }
    parse_pack(data, pack_id)
    return data


def draft_yaml(path: Path, pack_id: str | None = None, title: str = "") -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    pid = pack_id or _slug(path.stem, 4)
    data = draft_pack(text, pid, title, path.name)
    head = (
        f"# DRAFT policy pack made by `piiscout policy import` from {path.name}.\n"
        "# Check every clause: merge or split them, fix titles, keep quotes short and verbatim,\n"
        "# and correct the suggested rules (add `linked: true`, `source_kinds`, `exact`).\n"
    )
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


@dataclass(frozen=True)
class Overlap:
    draft_pairs: int
    agreed_pairs: int  # draft pairs the hand-made pack agrees with
    hand_pairs: int
    found_pairs: int  # hand-made pairs the draft suggested (at, above or below the key)

    @property
    def precision(self) -> float:
        return self.agreed_pairs / self.draft_pairs if self.draft_pairs else 0.0

    @property
    def recall(self) -> float:
        return self.found_pairs / self.hand_pairs if self.hand_pairs else 0.0


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _kind(rule: Rule) -> str:
    return rule.source_kinds[0] if rule.source_kinds else "file"


def overlap(drafts: list[DraftClause], hand: PolicyPack) -> Overlap:
    """Compare (clause, category) pairs; a draft clause stands for the hand-made clauses whose
    quote lies in its paragraph (or whose quote contains it)."""
    hand_clauses = [c for c in hand.clauses if c.rules]
    draft_pairs = agreed = 0
    suggested: dict[str, set[str]] = {c.id: set() for c in hand_clauses}
    for d in drafts:
        para = _norm(d.paragraph)
        matches = [h for h in hand_clauses if _norm(h.quote) in para or para in _norm(h.quote)]
        for cat in d.categories:
            draft_pairs += 1
            if any(r.matches(cat, True, _kind(r)) for h in matches for r in h.rules):
                agreed += 1
            for h in matches:
                suggested[h.id].add(cat)
    hand_pairs = sum(len(h.rules) for h in hand_clauses)
    found = sum(
        1
        for h in hand_clauses
        for r in h.rules
        if any(_related(c, r.category) for c in suggested[h.id])
    )
    return Overlap(draft_pairs, agreed, hand_pairs, found)
