"""Subject access: where does the inventory (and the databases it classified) hold a person?

One lookup answers both ``piiscout subject find`` and the workbench's subject page:

1. **From the inventory's keyed hashes.** The value is normalised exactly as
   :mod:`scanner.redact` does for each kind it may be (e-mail, phone, card, IBAN, national ID,
   name, ...) and hashed with the installation key; only hashes are compared. A phone number
   given without a country code is also tried as a national number of the common regions, and
   one given with a code also in its national spelling, so ``07700 900122`` and
   ``+44 7700 900122`` find each other.
2. **Live from the databases.** A table scan keeps one finding per (column, entity) with the hash
   of one sampled value, so a customer outside the sample would be missed. For every database
   column the inventory classified as holding this kind of value, the table is queried read-only
   (the scan's own read-only engines) and each value is normalised and compared; a matching row
   yields the other classified columns of the *same row* as masked previews.

Results are grouped by location. With each inventory match come the other findings the inventory
knows at the same location (the same message, file or table). Findings reviewed as false
positives, or resolved (gone from a later complete scan), are left out unless asked for. The
value is never stored, logged or shown: callers audit the lookup's *kind* only.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from scanner.inventory.store import FindingRow, Inventory
from scanner.redact import mask, normalize, normalize_phone

log = logging.getLogger("piiscout.subject")

# What a looked-up value may be, as the entities the classifiers record it under.
KINDS: dict[str, tuple[str, ...]] = {
    "email": ("EMAIL_ADDRESS",),
    "phone": ("PHONE_NUMBER",),
    "name": ("PERSON",),
    "iban": ("IBAN_CODE",),
    "card": ("CREDIT_CARD",),
    "id": ("US_SSN", "IMEI", "DEVICE_ID"),
    "ip": ("IP_ADDRESS",),
}
ALL_ENTITIES = tuple(dict.fromkeys(e for es in KINDS.values() for e in es))
# National numbers are tried as numbers of these regions (first is the installation's default).
PHONE_REGIONS = ("US", "GB", "IE", "DE", "FR", "NL", "BE", "ES", "IT", "CA", "AU", "IN")
LIVE_ROW_LIMIT = 2_000_000  # values read per column at most; the rest is reported as not read
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DIGITS = re.compile(r"\D+")


def guess_kind(value: str) -> str:
    """The likeliest kind of ``value`` (shown to the user and audited; never the value)."""
    v = value.strip()
    if _EMAIL.match(v):
        return "email"
    compact = re.sub(r"[\s.-]", "", v)
    if re.fullmatch(r"[A-Za-z]{2}\d{2}[A-Za-z0-9]{10,30}", compact):
        return "iban"
    import ipaddress

    try:
        ipaddress.ip_address(v)
        return "ip"
    except ValueError:
        pass
    digits = _DIGITS.sub("", v)
    if re.fullmatch(r"[\d\s()+./-]+", v) and digits:
        if 13 <= len(digits) <= 19 and not v.startswith(("+", "0")):
            return "card"
        if len(digits) == 9:
            return "id"
        return "phone"
    if re.fullmatch(r"[^\d@]+", v) and " " in v:
        return "name"
    return "id"


def phone_forms(value: str) -> set[str]:
    """The normal forms :func:`scanner.redact.normalize_phone` may have stored for this number."""
    import phonenumbers

    v = value.strip()
    forms = {normalize_phone(v)}
    for region in PHONE_REGIONS:
        try:
            num = phonenumbers.parse(v, None if v.startswith("+") else region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_possible_number(num):
            continue
        forms.add(phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164))
        # The number written nationally (07700 900122) was stored as redact normalised that
        # text, without knowing its country: add that form too.
        forms.add(normalize_phone(
            phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)))
    return {f for f in forms if f and f != "+"}


def normal_forms(value: str, entities: Iterable[str] = ALL_ENTITIES) -> dict[str, set[str]]:
    """Per entity, the normalised forms of ``value`` (as redact would store them)."""
    out: dict[str, set[str]] = {}
    for entity in entities:
        out[entity] = phone_forms(value) if entity == "PHONE_NUMBER" else {normalize(entity, value)}
    return out


def hashes_for(secret: bytes, forms: dict[str, set[str]]) -> dict[str, str]:
    """hash -> entity, over every normal form (HMAC-SHA256 as :func:`redact.value_hash`)."""
    out: dict[str, str] = {}
    for entity, values in forms.items():
        for v in values:
            out.setdefault(hmac.new(secret, v.encode("utf-8"), sha256).hexdigest(), entity)
    return out


@dataclass(frozen=True)
class RelatedValue:
    """Another personal value in the same record, masked."""

    field: str
    entity: str
    preview: str
    category: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "entity": self.entity, "preview": self.preview,
                "category": self.category}


@dataclass(frozen=True)
class LiveRow:
    """A row of a database table in which the value was found by a live query."""

    column: str
    entity: str
    key: str  # the row's key columns, masked ("id=4*")
    preview: str
    related: tuple[RelatedValue, ...]

    def to_dict(self) -> dict[str, object]:
        return {"column": self.column, "entity": self.entity, "row": self.key,
                "preview": self.preview, "related": [r.to_dict() for r in self.related]}


@dataclass
class LocationResult:
    uri: str
    source: str
    matches: list[FindingRow] = field(default_factory=list)  # the value, from the inventory
    matched_as: dict[int, str] = field(default_factory=dict)
    same_location: list[FindingRow] = field(default_factory=list)  # other data held there
    live_rows: list[LiveRow] = field(default_factory=list)
    live_note: str = ""  # why a live query could not run, or how far it read

    def to_dict(self) -> dict[str, object]:
        return {
            "location": self.uri,
            "source": self.source,
            "matches": [{**r.to_dict(), "matched_as": self.matched_as.get(r.id, r.entity)}
                        for r in self.matches],
            "same_location": [r.to_dict() for r in self.same_location],
            "live_rows": [r.to_dict() for r in self.live_rows],
            "live_note": self.live_note,
        }


@dataclass
class SubjectResult:
    kind: str
    locations: list[LocationResult]
    live_checked: list[str] = field(default_factory=list)  # "uri column" queried live
    live_errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.locations)

    def to_dict(self) -> dict[str, object]:
        locations = [loc.to_dict() for loc in self.locations]
        return {"kind": self.kind,
                # every stored finding of the value, flat (the format of earlier versions)
                "matches": [m for loc in locations for m in loc["matches"]],  # type: ignore[attr-defined]
                "locations": locations,
                "live_checked": self.live_checked, "live_errors": self.live_errors}


def _hidden(row: FindingRow, include_resolved: bool) -> bool:
    if include_resolved:
        return False
    if row.status in ("false-positive", "resolved"):
        return True
    return bool(getattr(row, "resolved", False) or getattr(row, "resolved_run_id", None))


def lookup(
    inv: Inventory,
    secret: bytes,
    value: str,
    *,
    kind: str | None = None,
    include_resolved: bool = False,
    live: bool = True,
    source_dbs: Sequence[str] = (),
    settings: Any = None,
) -> SubjectResult:
    """Every location holding ``value`` (see the module docstring). ``kind`` narrows the
    entities tried (``email``, ``phone``, ...); ``None`` tries them all."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    entities = KINDS[kind] if kind else ALL_ENTITIES
    forms = normal_forms(value, entities)
    by_hash = hashes_for(secret, forms)
    rows = [r for r in inv.findings(value_hashes=list(by_hash), status="*", resolved=True)
            if not _hidden(r, include_resolved)]
    results: dict[str, LocationResult] = {}
    for r in rows:
        loc = results.setdefault(r.uri, LocationResult(r.uri, r.source))
        loc.matches.append(r)
        loc.matched_as[r.id] = by_hash[r.value_hash]
    out = SubjectResult(kind=kind or guess_kind(value), locations=[])
    if live:
        # Reading whole columns is costly: only those of the kind asked for, or the likeliest.
        live_forms = {e: forms[e] for e in KINDS[out.kind] if e in forms}
        _live(inv, live_forms, results, out, source_dbs, settings, include_resolved)
    uris = list(results)
    if uris:
        matched = {r.id for loc in results.values() for r in loc.matches}
        for r in _findings_at(inv, uris):
            # A table's column findings hold one sampled value of some row, not this
            # person's record: the record of a table match is its live row.
            if r.source_kind == "database" and "/row=" not in r.uri:
                continue
            if r.id not in matched and not _hidden(r, include_resolved):
                results[r.uri].same_location.append(r)
    out.locations = sorted(results.values(), key=lambda loc: loc.uri)
    return out


def _findings_at(inv: Inventory, uris: Sequence[str]) -> list[FindingRow]:
    wanted = set(uris)
    out: list[FindingRow] = []
    for prefix in sorted(wanted):
        out.extend(r for r in inv.findings(source=prefix, status="*", resolved=True)
                   if r.uri in wanted)
    return _unique(out)


def _unique(rows: list[FindingRow]) -> list[FindingRow]:
    """``rows`` without repeats (the first of each ID, in order)."""
    seen: set[int] = set()
    out = []
    for r in rows:
        if r.id not in seen:
            seen.add(r.id)
            out.append(r)
    return out


# -- live queries on classified database columns ----------------------------------------
def _live(
    inv: Inventory,
    forms: dict[str, set[str]],
    results: dict[str, LocationResult],
    out: SubjectResult,
    source_dbs: Sequence[str],
    settings: Any,
    include_resolved: bool,
) -> None:
    columns: dict[str, dict[str, FindingRow]] = {}  # table uri -> column -> a finding
    table_findings: dict[str, list[FindingRow]] = {}
    for r in inv.findings(source="database", status="*", resolved=True):
        if r.source_kind != "database" or not r.field or "/row=" in r.uri:
            continue
        table_findings.setdefault(r.uri, []).append(r)
        if r.entity in forms and not _hidden(r, include_resolved):
            columns.setdefault(r.uri, {}).setdefault(r.field, r)
    if not columns:
        return
    from scanner.settings import Settings

    settings = settings or Settings()
    for table_uri, cols in sorted(columns.items()):
        try:
            target = _connect_target(table_uri, source_dbs)
        except LookupError as exc:
            out.live_errors.append(f"{table_uri}: {exc}")
            continue
        try:
            rows = _query_table(target, table_uri, cols, forms, table_findings[table_uri],
                                settings)
        except Exception as exc:
            out.live_errors.append(f"{table_uri}: {_scrubbed(exc, target)}")
            continue
        out.live_checked.extend(f"{table_uri} {c}" for c in sorted(cols))
        if rows:
            loc = results.setdefault(table_uri, LocationResult(table_uri,
                                                               cols[next(iter(cols))].source))
            loc.live_rows.extend(rows)


def _connect_target(table_uri: str, source_dbs: Sequence[str]) -> tuple[str, str, str]:
    """(connection URL, schema, table) for a table location uri."""
    from urllib.parse import unquote

    from sqlalchemy.engine import make_url

    from connectors.database import base_uri

    for url in source_dbs:
        try:
            base = base_uri(make_url(url))
        except Exception:
            continue
        if table_uri.startswith(base + "/"):
            rest = table_uri[len(base) + 1 :].split("/")
            if len(rest) == 2:
                return url, unquote(rest[0]), unquote(rest[1])
    if table_uri.startswith("sqlite:///"):
        parts = table_uri[len("sqlite://") :].split("/")
        if len(parts) >= 4:
            return ("sqlite:///" + unquote("/".join(parts[:-2])), unquote(parts[-2]),
                    unquote(parts[-1]))
    raise LookupError("not queried live: give its connection URL with --source-db")


def _scrubbed(exc: BaseException, target: tuple[str, str, str]) -> str:
    from sqlalchemy.engine import make_url

    from connectors.database import Scrubber

    try:
        return Scrubber(make_url(target[0]))(exc)
    except Exception:
        return type(exc).__name__


def _query_table(
    target: tuple[str, str, str],
    table_uri: str,
    cols: dict[str, FindingRow],
    forms: dict[str, set[str]],
    classified: list[FindingRow],
    settings: Any,
) -> list[LiveRow]:
    """Read the classified columns of one table (read-only engine, bound names only) and
    return the rows whose value, normalised, is one of ``forms``."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from connectors.database import make_engine

    url, schema, table_name = target
    engine = make_engine(make_url(url), settings)
    try:
        inspector = sa.inspect(engine)
        schema_arg = None if url.startswith("sqlite") and schema == "main" else schema
        names = {c["name"] for c in inspector.get_columns(table_name, schema=schema_arg)}
        key = [k for k in (inspector.get_pk_constraint(table_name, schema=schema_arg)
                           .get("constrained_columns") or []) if k in names]
        related_cols = {r.field: r for r in classified if r.field in names}
        wanted = [c for c in cols if c in names]
        if not wanted:
            return []
        table = sa.Table(table_name, sa.MetaData(), *[sa.Column(n) for n in
                                                       dict.fromkeys([*key, *wanted,
                                                                      *related_cols])],
                         schema=schema_arg)
        cheap = {e: {_DIGITS.sub("", f)[-7:] for f in fs} for e, fs in forms.items()
                 if e == "PHONE_NUMBER"}
        hits: list[LiveRow] = []
        with engine.connect() as conn:
            result = conn.execution_options(yield_per=1000).execute(
                sa.select(*table.c).limit(LIVE_ROW_LIMIT))
            for rec in result.mappings():
                for col in wanted:
                    cell = rec[col]
                    if cell is None:
                        continue
                    text = str(cell)
                    entity = cols[col].entity
                    if entity in cheap and _DIGITS.sub("", text)[-7:] not in cheap[entity]:
                        continue
                    if normalize(entity, text) not in forms[entity]:
                        continue
                    related = tuple(
                        RelatedValue(c, f.entity, mask(f.entity, str(rec[c])), f.category)
                        for c, f in sorted(related_cols.items())
                        if c != col and rec[c] not in (None, "")
                    )
                    keytext = ", ".join(f"{k}={mask('ID', str(rec[k]))}" for k in key)
                    hits.append(LiveRow(col, entity, keytext, mask(entity, text), related))
        return hits
    finally:
        engine.dispose()
