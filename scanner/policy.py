"""Policy packs: privacy-policy clauses and the data categories each one covers.

A pack is a YAML file (``config/policies/<id>.yaml``) with stable clause IDs, a title and a short
quotation of each clause, and *rules* that say which fideslang categories (from
``config/taxonomy.yaml``) fall under the clause. A rule on a parent key covers its children
(``user.device`` covers ``user.device.cookie_id``) unless it says ``exact: true``; it may also
require a finding to be linked to an identified person (``linked: true``) or to come from certain
source kinds (``source_kinds: [mail]``).

Packs are validated on load: an unknown category is an error naming the pack, clause and key.
:class:`PolicyMapper` gives each finding the clause IDs (``"<pack>/<clause>"``) it falls under.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connectors.base import SourceKinds
from scanner import entities, yamlfast
from scanner.models import Finding

SOURCE_KINDS = SourceKinds()  # database, file, mail, s3, smb: the connectors' source_kind
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# A location inside a mail file (a PST, an .msg, an .eml, an mbox) found in a folder, a share or
# a bucket: its data is stored e-mail, whatever connector walked to it ("#msg=" marks a message
# of an archive; the extension, the file itself or an archive member of it).
_MAIL_FILE = re.compile(r"\.(?:pst|ost|msg|eml|mbox|mbx)(?=$|[#!])|#(?:[^!]*/)?msg=", re.I)


def source_kinds_of(source_kind: str, uri: str = "") -> tuple[str, ...]:
    """The source kinds a location counts as for policy rules: its connector's kind, plus
    ``mail`` when it lies in a mail file (``file:///share/a.pst#folder=Inbox/msg=3``)."""
    if source_kind != "mail" and uri and _MAIL_FILE.search(uri):
        return (source_kind, "mail")
    return (source_kind,)


class PolicyError(ValueError):
    """A pack that cannot be found or does not validate; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    """One category (and optional constraints) that falls under a clause."""

    category: str
    exact: bool = False  # true: the key itself only, not its children
    linked: bool | None = None  # true: only findings tied to an identified person
    source_kinds: tuple[str, ...] = ()  # empty: any source kind

    @field_validator("source_kinds")
    @classmethod
    def _kinds(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [k for k in v if k not in SOURCE_KINDS]
        if bad:
            raise ValueError(f"unknown source kind {bad[0]!r} (known: {', '.join(SOURCE_KINDS)})")
        return v

    def matches(self, category: str, linked: bool | None,
                source_kind: str | tuple[str, ...]) -> bool:
        if category != self.category and (
            self.exact or not category.startswith(self.category + ".")
        ):
            return False
        if self.linked is True and linked is not True:
            return False
        if self.linked is False and linked is True:
            return False
        kinds = (source_kind,) if isinstance(source_kind, str) else source_kind
        return not self.source_kinds or any(k in self.source_kinds for k in kinds)


class Clause(_Strict):
    id: str
    title: str
    quote: str  # a short verbatim quotation of the clause, for the DPO
    note: str = ""  # why the rules are what they are
    rules: tuple[Rule, ...] = ()

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"clause id {v!r} must be lower-case letters, digits, . _ -")
        return v


class PolicyPack(_Strict):
    id: str
    title: str
    source: str = ""  # the policy document the pack was made from
    version: str = "1"
    clauses: tuple[Clause, ...] = Field(min_length=1)

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise KeyError(clause_id)

    def qualified(self, clause: Clause) -> str:
        return f"{self.id}/{clause.id}"


@lru_cache(maxsize=1)
def known_categories() -> frozenset[str]:
    """Every category key in the taxonomy, plus all of their parent keys."""
    return entities.known_categories()


def _policies_dir() -> Any:
    return resources.files("config").joinpath("policies")


def available_packs() -> list[str]:
    """IDs of the packs shipped in ``config/policies`` (files starting with ``_`` are data)."""
    return sorted(
        p.name[: -len(".yaml")]
        for p in _policies_dir().iterdir()
        if p.name.endswith(".yaml") and not p.name.startswith("_")
    )


def parse_pack(data: object, origin: str) -> PolicyPack:
    """Validate a pack's data; ``origin`` names it in error messages."""
    if not isinstance(data, dict):
        raise PolicyError(f"policy pack {origin}: the file must be a YAML mapping")
    try:
        pack = PolicyPack.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"policy pack {origin}: {where}: {first['msg']}") from None
    known = known_categories()
    seen: set[str] = set()
    for clause in pack.clauses:
        if clause.id in seen:
            raise PolicyError(f"policy pack {pack.id}: clause {clause.id} is defined twice")
        seen.add(clause.id)
        for rule in clause.rules:
            if rule.category not in known:
                raise PolicyError(
                    f"policy pack {pack.id}: clause {clause.id}: unknown category "
                    f"{rule.category!r} (use a key from config/taxonomy.yaml or a parent of one)"
                )
    return pack


def load_pack(name: str) -> PolicyPack:
    """A pack by ID (shipped) or by path to a YAML file."""
    path = Path(name)
    if name.endswith((".yaml", ".yml")) or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"policy pack {name}: cannot read it ({exc.strerror})") from None
        origin = name
    else:
        res = _policies_dir().joinpath(f"{name}.yaml")
        imported = imported_dir() / f"{name}.yaml"
        if not name.startswith("_") and res.is_file():
            text, origin = res.read_text(encoding="utf-8"), name
        elif _ID.match(name) and imported.is_file():
            text, origin = imported.read_text(encoding="utf-8"), name
        else:
            raise PolicyError(
                f"unknown policy pack {name!r}: use one of "
                f"{', '.join(available_packs() + imported_packs())} or a path to a YAML file"
            )
    try:
        data = yamlfast.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy pack {origin}: not valid YAML ({exc})") from None
    return parse_pack(data, origin)


def load_packs(names: Sequence[str]) -> list[PolicyPack]:
    """Load and validate packs; two packs with the same ID are an error. No names: the packs
    the organisation selected (:func:`selected_packs`)."""
    packs = [load_pack(n) for n in (names or selected_packs())]
    ids = [p.id for p in packs]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise PolicyError(f"policy pack {dup[0]!r} is active twice; give each pack once")
    return packs


class PolicyMapper:
    """Maps findings to the clauses of the active packs: the one place clauses are worked out.

    A clause depends only on what the inventory stores about a finding (category, linkage,
    source kind and location), so every reader (``findings list``, ``inventory``, the gaps, the
    workbench, the HTML report) maps the stored findings with the packs active *now*, and a
    change of packs shows everywhere at once."""

    def __init__(self, packs: Sequence[PolicyPack]) -> None:
        self.packs = tuple(packs)
        self._rules = [
            (pack.qualified(clause), rule)
            for pack in self.packs
            for clause in pack.clauses
            for rule in clause.rules
        ]
        self._cache: dict[tuple[str, bool | None, tuple[str, ...]], tuple[str, ...]] = {}

    def clauses_for_category(
        self, category: str, linked: bool | None = None, source_kind: str = "file",
        uri: str = "",
    ) -> tuple[str, ...]:
        """The clauses of a finding with this category, linkage and source kind, at ``uri``
        (a location inside a mail file also counts as ``mail``: :func:`source_kinds_of`)."""
        kinds = source_kinds_of(source_kind, uri)
        key = (category, linked, kinds)
        hit = self._cache.get(key)
        if hit is None:
            out: list[str] = []
            for qid, rule in self._rules:
                if qid not in out and rule.matches(category, linked, kinds):
                    out.append(qid)
            hit = self._cache[key] = tuple(out)
        return hit

    def clauses_for(self, finding: Finding) -> tuple[str, ...]:
        return self.clauses_for_category(finding.category, finding.linked, finding.source_kind,
                                         finding.location.uri)

    def clauses_for_row(self, row: Any) -> tuple[str, ...]:
        """The clauses of a stored finding (anything with ``category``, ``linked``,
        ``source_kind`` and ``uri``, such as :class:`scanner.inventory.rows.FindingRow`)."""
        return self.clauses_for_category(row.category, row.linked, row.source_kind, row.uri)

    def map(self, findings: Iterable[Finding]) -> list[Finding]:
        """``findings`` with their clauses. Built directly, one lookup per distinct (category,
        linkage, source kind, location): ``dataclasses.replace`` and a lookup per finding were
        a tenth of a dense scan's recording (tests/scanner/test_policy_once.py compares)."""
        memo: dict[tuple[str, bool | None, str, str], tuple[str, ...]] = {}
        out = []
        for f in findings:
            key = (f.category, f.linked, f.source_kind, f.location.uri)
            clauses = memo.get(key)
            if clauses is None:
                clauses = memo[key] = self.clauses_for(f)
            out.append(f if f.clauses == clauses else Finding(
                f.location, f.entity, f.category, f.score, f.severity, f.detector,
                f.explanation, f.preview, f.value_hash, f.linked, clauses, f.source_kind,
                f.attributes))
        return out

    def map_reference(self, findings: Iterable[Finding]) -> list[Finding]:
        """What :meth:`map` returns, the plain way."""
        return [dataclasses.replace(f, clauses=self.clauses_for(f)) for f in findings]

    def clause_info(self, qualified_id: str) -> tuple[PolicyPack, Clause] | None:
        pack_id, _, clause_id = qualified_id.partition("/")
        for pack in self.packs:
            if pack.id == pack_id:
                try:
                    return pack, pack.clause(clause_id)
                except KeyError:
                    return None
        return None

    def all_clauses(self) -> list[tuple[PolicyPack, Clause]]:
        """Clauses that have rules (i.e. map data), in pack order."""
        return [(p, c) for p in self.packs for c in p.clauses if c.rules]


# -- which packs are active: chosen by the organisation, not all that ship ------------------
# The selection lives in the data directory (``$PIISCOUT_HOME``): ``policies.yaml`` holds
# ``active: [ids]`` (written by ``piiscout policy use`` and the workbench), and packs imported from
# a policy text are kept as ``policies/<id>.yaml`` next to it. Without a selection only GDPR is
# active; the seed packs stay available by ID.
DEFAULT_PACKS = ("gdpr",)
SELECTION_FILE = "policies.yaml"


def _data_dir() -> Path:
    from scanner.settings import default_data_dir

    return default_data_dir()


def imported_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or _data_dir()) / "policies"


def imported_packs(data_dir: Path | None = None) -> list[str]:
    """IDs of the packs the organisation imported (``<data dir>/policies/<id>.yaml``)."""
    d = imported_dir(data_dir)
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.yaml") if _ID.match(p.stem))


def selected_packs(data_dir: Path | None = None) -> tuple[str, ...]:
    """The active pack IDs: the saved selection, else GDPR."""
    path = (data_dir or _data_dir()) / SELECTION_FILE
    try:
        data = yamlfast.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return DEFAULT_PACKS
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: cannot read the pack selection ({exc})") from None
    active = data.get("active") if isinstance(data, dict) else None
    if not isinstance(active, list) or not all(isinstance(a, str) for a in active):
        raise PolicyError(f"{path}: `active` must be a list of pack IDs")
    return tuple(active) or DEFAULT_PACKS


def select_packs(ids: Sequence[str], data_dir: Path | None = None) -> tuple[str, ...]:
    """Save ``ids`` as the active packs (each must load; duplicates dropped, order kept)."""
    chosen = tuple(dict.fromkeys(ids))
    if not chosen:
        raise PolicyError("choose at least one policy pack")
    for pid in chosen:
        if not _ID.match(pid):
            raise PolicyError(f"{pid!r} is not a pack ID (files cannot be selected; import them)")
        load_pack(pid)
    d = data_dir or _data_dir()
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / (SELECTION_FILE + ".tmp")
    tmp.write_text(yaml.safe_dump({"active": list(chosen)}, sort_keys=False), encoding="utf-8")
    tmp.replace(d / SELECTION_FILE)
    return chosen


def save_imported_pack(text: str, data_dir: Path | None = None) -> PolicyPack:
    """Validate a pack's YAML and keep it as an imported pack (replacing one with its ID)."""
    try:
        data = yamlfast.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML ({exc})") from None
    pack = parse_pack(data, "draft")
    if not _ID.match(pack.id):
        raise PolicyError(f"pack id {pack.id!r} must be lower-case letters, digits, . _ -")
    if pack.id in available_packs():
        raise PolicyError(f"{pack.id!r} is a pack shipped with piiscout: give the draft another id")
    d = imported_dir(data_dir)
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{pack.id}.yaml").write_text(text, encoding="utf-8")
    return pack
