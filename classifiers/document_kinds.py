"""What kind of document an item is (issue 16.6): a CV, a payslip, a medical record or letter, an
identity-document scan, a bank statement, an employment contract, a tax form or an invoice.

Rules over structure and vocabulary, offline and explainable: each kind has weighted *cues*
(regular expressions for the headings, labels and phrases such documents are made of: "Gross
pay", "Tax code" and "Net pay" on a payslip; "Work experience", "Education", "Skills" on a CV;
an MRZ line on a passport scan). A document's score for a kind is the sum of the weights of the
distinct cues found in its first :data:`MAX_CHARS` characters (a cue counts once however often it
occurs), plus a small bonus when the file name agrees (never enough alone). The best kind is
reported when its points reach :data:`MIN_POINTS` and lead the runner-up by :data:`MIN_LEAD`;
otherwise the document gets no kind. The explanation lists the cues that matched (labels, never
the document's text).

:func:`classify_document` is pure; :class:`DocumentKinds` is called by the engine once per item
(on the batch holding the item's first unit), and emits at most one ``DOCUMENT`` detection with
``attributes.kind``, ``attributes.evidence`` and the kind's fideslang category. A document is
*linked* when it also identifies a person (a name, e-mail, national ID, ...), like special
categories: a CV or a medical letter is personal data about someone; a blank template is not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scanner import entities
from scanner.models import Detection, TextUnit

DETECTOR_ID = "DOC-KIND"
ENTITY = "DOCUMENT"
MAX_CHARS = 20_000
MIN_POINTS = 4.0
MIN_LEAD = 1.5
NAME_BONUS = 1.0

# kind -> fideslang category (config/taxonomy.yaml under document_kinds)
CATEGORY: Mapping[str, str] = {k: v.category for k, v in entities.document_kinds().items()}

# (label, weight, regex). Case-insensitive, multi-line. Written for piiscout from the usual
# layouts of UK/EU documents (GOV.UK guidance on payslips, P60 and contracts of employment,
# ICAO 9303 for machine-readable zones, the NHS clinic letter structure).
_L = r"(?:^|\n)[ \t]*"  # at the start of a line (a heading or a label)
CUES: Mapping[str, tuple[tuple[str, float, str], ...]] = {
    "cv": (
        ("title 'curriculum vitae' / 'résumé'", 3.0, r"\bcurriculum\s+vitae\b|\br[ée]sum[ée]\b|(?:^|\n)\s*CV\s*(?:\n|$)"),
        ("heading 'work experience'", 2.0, _L + r"(?:work|professional|employment)\s+(?:experience|history)\b"),
        ("heading 'education'", 1.5, _L + r"education(?:\s+and\s+(?:training|qualifications))?\s*:?\s*(?:\n|$)"),
        ("heading 'skills'", 1.5, _L + r"(?:key\s+|technical\s+|core\s+)?skills(?:\s+and\s+\w+)?\s*:?\s*(?:\n|$)"),
        ("heading 'profile' / 'personal statement'", 1.0, _L + r"(?:professional\s+)?(?:profile|personal\s+statement|summary|objective)\s*:?\s*(?:\n|$)"),
        ("'references available on request'", 1.5, r"\breferences\s+(?:are\s+)?available\s+(?:on|upon)\s+request\b"),
        ("heading 'qualifications' / 'certifications'", 1.0, _L + r"(?:qualifications|certifications|languages|interests|hobbies)\s*:?\s*(?:\n|$)"),
        ("date ranges of posts", 1.0, r"\b(?:19|20)\d{2}\s*[-\u2013]\s*(?:(?:19|20)\d{2}|present|current|now)\b"),
    ),
    "payslip": (
        ("title 'payslip' / 'pay advice'", 3.0, r"\bpay\s*slip\b|\bpay\s+(?:advice|statement)\b|\bwage\s+slip\b"),
        ("'gross pay'", 2.0, r"\bgross\s+(?:pay|salary|earnings)\b"),
        ("'net pay'", 2.0, r"\bnet\s+(?:pay|salary|amount\s+payable)\b|\btake[\s-]home\s+pay\b"),
        ("'tax code'", 1.5, r"\btax\s+code\b"),
        ("'national insurance' deduction", 1.5, r"\b(?:national\s+insurance|NI\s+(?:contributions?|number|no))\b"),
        ("'pay period' / 'pay date'", 1.5, r"\bpay\s+(?:period|date)\b|\bperiod\s+ending\b"),
        ("'deductions'", 1.0, r"\b(?:total\s+)?deductions\b"),
        ("'year to date'", 1.0, r"\byear\s+to\s+date\b|\bYTD\b"),
        ("'PAYE' / 'employer's reference'", 1.0, r"\bPAYE\b|\bemployer'?s?\s+(?:PAYE\s+)?reference\b"),
    ),
    "medical_record": (
        ("'patient' label", 1.5, r"\bpatient(?:'s)?\s*(?:name|details|number|id)?\s*:"),
        ("'NHS number' / 'MRN' / 'hospital number'", 2.0, r"\bNHS\s+(?:number|no)\b|\bMRN\b|\bhospital\s+(?:number|no)\b"),
        ("'diagnosis'", 2.0, r"\bdiagnos(?:is|es|ed)\b"),
        ("'clinic' / 'consultant' / 'ward'", 1.5, r"\b(?:clinic|consultant|ward|outpatient|department\s+of\s+\w+\s+medicine|GP\s+surgery)\b"),
        ("'medication' / 'prescribed'", 1.5, r"\b(?:medications?|prescribed|dosage|\d+\s?mg)\b"),
        ("clinical headings", 2.0, _L + r"(?:history\s+of\s+presenting\s+complaint|examination|impression|plan|management|presenting\s+complaint|past\s+medical\s+history|allergies|referral)\s*:"),
        ("'Dear Dr' letter to a doctor", 1.0, r"\bdear\s+dr\.?\s"),
        ("'occupational health' / 'fit note'", 1.5, r"\boccupational\s+health\b|\bfit\s+note\b|\bstatement\s+of\s+fitness\s+for\s+work\b"),
        ("'symptoms' / 'treatment'", 1.0, r"\b(?:symptoms?|treatment|blood\s+pressure|follow[\s-]up)\b"),
    ),
    "id_document": (
        ("title 'passport' / 'identity card' / 'driving licence'", 3.0, r"\bpassport\b|\bidentity\s+card\b|\bID\s+card\b|\bdriving\s+licen[cs]e\b|\bpersonalausweis\b|\bresidence\s+permit\b"),
        ("machine-readable zone", 3.0, r"(?:^|\n)[PIAC][A-Z<][A-Z]{3}[A-Z<]{5,}|[A-Z0-9<]{30,}"),
        ("'date of birth'", 1.5, r"\bdate\s+of\s+birth\b|\bD\.?O\.?B\b"),
        ("'nationality'", 1.5, r"\bnationality\b"),
        ("'date of expiry' / 'date of issue'", 1.5, r"\bdate\s+of\s+(?:expiry|issue)\b|\bexpiry\s+date\b|\bvalid\s+until\b"),
        ("'place of birth' / 'sex'", 1.0, r"\bplace\s+of\s+birth\b|(?:^|\n)\s*sex\s*[:/]"),
        ("'surname' / 'given names'", 1.0, r"\bsurname\b|\bgiven\s+names?\b"),
    ),
    "bank_statement": (
        ("title 'statement' / 'account statement'", 2.5, r"\b(?:bank|account|current\s+account)\s+statement\b|\bstatement\s+of\s+account\b|\bstatement\s+(?:date|period)\b"),
        ("'sort code'", 1.5, r"\bsort\s+code\b|\bBIC\b|\bSWIFT\b"),
        ("'account number' / IBAN", 1.5, r"\baccount\s+(?:number|no)\b|\bIBAN\b"),
        ("'opening/closing balance'", 2.5, r"\b(?:opening|closing|available)\s+balance\b|\bbalance\s+(?:brought|carried)\s+forward\b"),
        ("'paid in / paid out' columns", 2.0, r"\b(?:paid\s+in|paid\s+out|money\s+in|money\s+out|debits?|credits?)\b"),
        ("transaction lines (date + amount + balance)", 1.5, r"\d{1,2}[ /.-](?:\d{1,2}|[A-Za-z]{3})[ /.-]\d{2,4}[^\n]{3,60}\d+\.\d{2}[^\n]{0,20}\d+\.\d{2}"),
        ("'direct debit' / 'standing order'", 1.0, r"\bdirect\s+debit\b|\bstanding\s+order\b|\bcard\s+payment\b"),
    ),
    "employment_contract": (
        ("title 'contract of employment'", 3.0, r"\bcontract\s+of\s+employment\b|\bemployment\s+(?:contract|agreement)\b|\bstatement\s+of\s+(?:main\s+)?terms\b|\barbeitsvertrag\b"),
        ("'the employer' / 'the employee'", 2.0, r"\bthe\s+employer\b[\s\S]{0,400}\bthe\s+employee\b|\bthe\s+employee\b[\s\S]{0,400}\bthe\s+employer\b"),
        ("'job title' / 'commencement'", 1.5, r"\bjob\s+title\b|\bdate\s+of\s+commencement\b|\bstart\s+date\b|\bcommence\s+employment\b"),
        ("'notice period'", 1.5, r"\bnotice\s+(?:period|of\s+termination)\b|\bweeks'?\s+notice\b"),
        ("'probationary period'", 1.5, r"\bprobation(?:ary)?\s+period\b"),
        ("'hours of work' / 'holiday entitlement'", 1.5, r"\bhours\s+of\s+work\b|\bholiday\s+entitlement\b|\bannual\s+leave\b"),
        ("'salary' / 'remuneration'", 1.0, r"\b(?:salary|remuneration)\b"),
        ("signature block", 1.0, r"\bsigned\b[\s\S]{0,80}\b(?:employer|employee|on\s+behalf\s+of)\b|\bsignature\b"),
    ),
    "tax_form": (
        ("form title (P60, P45, P11D, W-2, 1099, SA100)", 3.0, r"\bP60\b|\bP45\b|\bP11D\b|\bW-2\b|\bForm\s+1099\b|\bSA100\b|\bLohnsteuerbescheinigung\b|\bavis\s+d'imposition\b"),
        ("'tax year'", 2.0, r"\btax\s+year\b|\byear\s+(?:to|ending)\s+5\s+april\b"),
        ("'HMRC' / tax authority", 1.5, r"\bHMRC\b|\bHM\s+Revenue\b|\bInternal\s+Revenue\s+Service\b|\bFinanzamt\b"),
        ("'self assessment' / 'tax return'", 2.0, r"\bself[\s-]assessment\b|\btax\s+return\b"),
        ("'unique taxpayer reference' / TIN", 1.5, r"\bunique\s+taxpayer\s+reference\b|\bUTR\b|\btaxpayer\s+identification\b"),
        ("'tax deducted' / 'pay and income tax details'", 1.5, r"\btax\s+deducted\b|\bincome\s+tax\b|\btotal\s+for\s+year\b|\bpay\s+and\s+income\s+tax\b"),
        ("'employer PAYE reference'", 1.0, r"\bPAYE\s+reference\b|\bemployer'?s?\s+(?:name\s+and\s+)?address\b"),
    ),
    "invoice": (
        ("title 'invoice'", 3.0, r"(?:^|\n)\s*(?:tax\s+|vat\s+)?invoice\b|\brechnung\b|\bfacture\b"),
        ("'invoice number' / 'invoice date'", 2.0, r"\binvoice\s+(?:no|number|#|date)\b"),
        ("'bill to' / 'ship to'", 1.5, r"\b(?:bill(?:ed)?|invoice|ship)\s+to\b"),
        ("'subtotal' / 'total due'", 2.0, r"\bsub[\s-]?total\b|\btotal\s+(?:due|payable|amount)\b|\bamount\s+due\b|\bbalance\s+due\b"),
        ("'VAT'", 1.0, r"\bVAT\b|\bsales\s+tax\b|\bMwSt\b"),
        ("'payment terms' / 'due date'", 1.5, r"\bpayment\s+(?:terms|due)\b|\bdue\s+date\b|\bnet\s+30\b"),
        ("'qty' / 'unit price' columns", 1.5, r"\b(?:qty|quantity)\b[\s\S]{0,60}\b(?:unit\s+price|rate|amount)\b"),
    ),
}
_NAME_HINTS: Mapping[str, str] = {
    "cv": r"\b(?:cv|resume|r[ée]sum[ée]|curriculum)\b",
    "payslip": r"\b(?:payslip|pay[_ -]?slip|wage)\b",
    "medical_record": r"\b(?:medical|clinic|patient|health|gp)\b",
    "id_document": r"\b(?:passport|id[_ -]?card|licen[cs]e|identity)\b",
    "bank_statement": r"\b(?:statement|bank)\b",
    "employment_contract": r"\b(?:contract|employment)\b",
    "tax_form": r"\b(?:p60|p45|p11d|tax|w-?2|1099)\b",
    "invoice": r"\b(?:invoice|inv|bill)\b",
}

_NAME_HINT_RX: Mapping[str, re.Pattern[str]] = {k: re.compile(rx) for k, rx in _NAME_HINTS.items()}
_NAME_SPLIT = re.compile(r"[/!#]")


def _flat(rx: str) -> str:
    """The cue for text without line structure (HTML flattened to one line): a heading may
    start after any space and end before the next capitalised word."""
    return rx.replace(_L, r"(?:^|\n|(?<=\s))").replace(r"(?:\n|$)", r"(?:\n|$|\s+(?=[A-Z0-9]))")


@lru_cache(maxsize=2)
def _compiled(flat: bool = False) -> dict[str, list[tuple[str, float, re.Pattern[str]]]]:
    return {kind: [(label, w, re.compile(_flat(rx) if flat else rx, re.IGNORECASE))
                   for label, w, rx in cues]
            for kind, cues in CUES.items()}


def _is_flat(text: str) -> bool:
    return len(text) > 300 and text.count("\n") * 400 < len(text)


@lru_cache(maxsize=2)
def _prefilter(flat: bool = False) -> object | None:
    """One hyperscan database holding a prefilter of every cue of :func:`_compiled` (ids in the
    same order, kind after kind): on ASCII text a cue whose prefilter finds nothing cannot match,
    so its Python pattern is not run (most documents hold few cues, and each Python search reads
    up to :data:`MAX_CHARS` characters). ``None`` without hyperscan or when a cue does not
    compile: then every cue is searched."""
    try:
        import hyperscan as hs
    except ImportError:  # pragma: no cover - depends on the platform
        return None
    from classifiers import hscache
    from classifiers.patterns import byte_superset, prefilter

    exprs = [byte_superset(prefilter(_flat(rx) if flat else rx)).encode()
             for cues in CUES.values() for _, _, rx in cues]
    flags = (hs.HS_FLAG_CASELESS | hs.HS_FLAG_PREFILTER | hs.HS_FLAG_ALLOWEMPTY
             | hs.HS_FLAG_SINGLEMATCH)
    try:
        return hscache.compile_database(exprs, list(range(len(exprs))), [flags] * len(exprs))
    except hs.error:
        return None


def _possible_cues(text: str, flat: bool) -> set[int] | None:
    """Indices (in :func:`_compiled` order) of the cues that may match ``text``; ``None``: any
    may (non-ASCII text, whose case-insensitive matching and multi-byte characters the
    byte-level prefilter does not model, or no prefilter)."""
    if not text.isascii():
        return None
    db = _prefilter(flat)
    if db is None:
        return None
    hits: set[int] = set()

    def on_match(cue: int, _from: int, _to: int, _flags: int, _ctx: object) -> None:
        hits.add(cue)

    try:
        db.scan(text.encode("ascii"), match_event_handler=on_match)  # type: ignore[attr-defined]
    except Exception:  # the fast path must never stop a scan: search every cue instead
        return None
    return hits


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    points: float
    score: float
    evidence: tuple[str, ...]
    runner_up: str | None


def scores(text: str, name: str = "") -> dict[str, tuple[float, list[str]]]:
    """Points and matched cue labels per kind."""
    text = text[:MAX_CHARS]
    base = _NAME_SPLIT.split(name)[-1].lower().replace("_", " ").replace("-", " ")
    out: dict[str, tuple[float, list[str]]] = {}
    flat = _is_flat(text)
    possible = _possible_cues(text, flat)
    k = -1
    for kind, cues in _compiled(flat).items():
        points, labels = 0.0, []
        for label, weight, rx in cues:
            k += 1
            if (possible is None or k in possible) and rx.search(text):
                points += weight
                labels.append(label)
        if points and base and _NAME_HINT_RX[kind].search(base):
            points += NAME_BONUS
            labels.append("file name")
        out[kind] = (points, labels)
    return out


def classify_document(text: str, name: str = "") -> DocumentKind | None:
    """The document's kind, or ``None`` when no kind is clearly ahead."""
    ranked = sorted(scores(text, name).items(), key=lambda kv: -kv[1][0])
    (kind, (points, labels)), (second, (second_points, _)) = ranked[0], ranked[1]
    if points < MIN_POINTS or points - second_points < MIN_LEAD:
        return None
    score = round(min(0.95, 0.45 + 0.05 * points), 4)
    return DocumentKind(kind, points, score, tuple(labels), second if second_points else None)


class DocumentKinds:
    """Called by the engine with all units of one item in a batch (``DOC-KIND``)."""

    id = DETECTOR_ID
    order = 900  # run order in its stage (classifiers/registry.py)
    entities: Mapping[str, str] = {ENTITY: "user"}

    def classify_item(self, units: Sequence[TextUnit], found: Sequence[list[Detection]],
                      identifying: frozenset[str]) -> None:
        """Append one DOCUMENT detection to ``found[0]`` when the item is a known kind."""
        text = ""
        for u in units:
            text += u.text + "\n"
            if len(text) >= MAX_CHARS:
                break
        got = classify_document(text, units[0].location.uri)
        if got is None:
            return
        who = next((d.entity for ds in found for d in ds if d.entity in identifying
                    and d.score >= 0.4), None)
        why = (f"{DETECTOR_ID}: {got.kind} ({got.points:g} points: {', '.join(got.evidence)})"
               + (f"; runner-up {got.runner_up}" if got.runner_up else ""))
        why += f"; linked: {who} in the document" if who else "; identifies no one"
        found[0].append(Detection(
            entity=ENTITY, start=0, end=0, score=got.score, detector=DETECTOR_ID,
            explanation=why, value=f"document:{got.kind}", linked=who is not None,
            attributes={"kind": got.kind, "evidence": list(got.evidence),
                        "category": CATEGORY[got.kind], "points": got.points},
        ))


CLASSIFIERS: tuple[type, ...] = (DocumentKinds,)
