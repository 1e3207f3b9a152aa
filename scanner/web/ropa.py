"""Record of Processing Activities (GDPR Art. 30(1)): what the DPO writes per clause or source,
with the categories of personal data filled in from the inventory; CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from scanner.inventory.store import FindingRow, Inventory
from scanner.inventory.views import clauses_of
from scanner.inventory.web_schema import ROPA_FIELDS, ROPA_SCOPES, RopaEntry
from scanner.policy import PolicyMapper

COLUMNS = (
    ("scope", "Recorded for"),
    ("key", "Clause or source"),
    ("title", "Title"),
    ("categories", "Categories of personal data (found)"),
    ("special", "Special categories (found, linked to a person)"),
    ("sources", "Where held"),
    ("findings", "Findings"),
    ("purposes", "Purposes of the processing"),
    ("data_subjects", "Categories of data subjects"),
    ("recipients", "Categories of recipients"),
    ("transfers", "Transfers to third countries"),
    ("retention", "Time limits for erasure"),
    ("security", "Security measures"),
    ("updated", "Last updated"),
)
_SPECIAL_PREFIXES = ("user.health", "user.biometrics", "user.criminal_history",
                     "user.demographic.religious_belief", "user.demographic.union_membership",
                     "user.demographic.race_ethnicity", "user.demographic.sexual_orientation",
                     "user.demographic.political_opinion",
                     "user.demographic.philosophical_belief")


@dataclass
class Activity:
    scope: str
    key: str
    title: str = ""
    categories: set[str] = field(default_factory=set)
    special: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    findings: int = 0
    fields: dict[str, str] = field(default_factory=lambda: dict.fromkeys(ROPA_FIELDS, ""))
    updated: str = ""

    def add(self, row: FindingRow) -> None:
        self.categories.add(row.category)
        if row.linked is True and row.category.startswith(_SPECIAL_PREFIXES):
            self.special.add(row.category)
        self.sources.add(row.source)
        self.findings += 1

    def cells(self) -> list[str]:
        values = {
            "scope": self.scope, "key": self.key, "title": self.title,
            "categories": "; ".join(sorted(self.categories)),
            "special": "; ".join(sorted(self.special)),
            "sources": "; ".join(sorted(self.sources)), "findings": str(self.findings),
            **self.fields, "updated": self.updated,
        }
        return [values[c] for c, _ in COLUMNS]


def activities(inv: Inventory, mapper: PolicyMapper, rows: list[FindingRow]) -> list[Activity]:
    """One activity per clause of the active packs and per source, filled from the inventory
    and from what the DPO recorded."""
    acts: dict[tuple[str, str], Activity] = {}
    for pack, clause in mapper.all_clauses():
        qid = pack.qualified(clause)
        acts[("clause", qid)] = Activity("clause", qid, f"{pack.title}: {clause.title}")
    for r in rows:
        if r.status == "false-positive" or r.linked is False:
            continue
        for qid in clauses_of(r, mapper):
            acts.setdefault(("clause", qid), Activity("clause", qid)).add(r)
        acts.setdefault(("source", r.source), Activity("source", r.source, r.source_kind)).add(r)
    with inv.session() as s:
        for e in s.scalars(select(RopaEntry)):
            act = acts.setdefault((e.scope, e.scope_key), Activity(e.scope, e.scope_key))
            act.fields = {f: getattr(e, f) for f in ROPA_FIELDS}
            act.updated = f"{e.updated_at} by {e.updated_by}"
    return sorted(acts.values(), key=lambda a: (a.scope, a.key))


def get_entry(inv: Inventory, scope: str, key: str) -> dict[str, str]:
    with inv.session() as s:
        e = s.scalar(select(RopaEntry).where(RopaEntry.scope == scope,
                                             RopaEntry.scope_key == key))
        return {f: getattr(e, f) for f in ROPA_FIELDS} if e else dict.fromkeys(ROPA_FIELDS, "")


def save_entry(inv: Inventory, scope: str, key: str, values: dict[str, str], *,
               by: str) -> None:
    if scope not in ROPA_SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with inv.write.begin() as s:
        e = s.scalar(select(RopaEntry).where(RopaEntry.scope == scope,
                                             RopaEntry.scope_key == key))
        if e is None:
            e = RopaEntry(scope=scope, scope_key=key, updated_at=now, updated_by=by)
            s.add(e)
        for f in ROPA_FIELDS:
            setattr(e, f, (values.get(f) or "").strip())
        e.updated_at, e.updated_by = now, by


def _safe_cell(text: str) -> str:
    """No spreadsheet formula injection: a cell never starts with = + - @ (or a tab/CR)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(acts: list[Activity]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([h for _, h in COLUMNS])
    for a in acts:
        w.writerow([_safe_cell(c) for c in a.cells()])
    return buf.getvalue()


def to_xlsx(acts: list[Activity]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Record of processing"
    ws.append([h for _, h in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for a in acts:
        ws.append([_safe_cell(c) for c in a.cells()])
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = 28
        for cell in col[1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
