"""The parent's fast path for findings (issue 12, item 6) against its reference path, after a real
scan: the inventory's rows (every column but the timestamps, ids included) and the JSON report are
identical on SQLite and on the real PostgreSQL server.

Fast: :func:`recording.record_batch` (the driver's cursor, many sightings per statement),
``store._aggregate``, ``json_report._finding`` (one f-string). Reference:
:func:`recording.record_batch_reference` (the SQLAlchemy path it replaced),
``store._aggregate_reference`` and ``json_report._finding_reference`` (``_nested(f.to_dict())``).
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from scanner.cli.scan_output import ReportSink
from scanner.inventory import Inventory, recording
from scanner.inventory import store as store_module
from scanner.inventory.schema import FindingAgg, LocationRow, Run, Sighting, Source
from scanner.models import Finding, Location, ScanInfo, ScanResult, Severity
from scanner.pipeline import scan
from scanner.policy import load_packs
from scanner.reports import json_report
from scanner.reports.json_report import JsonStream
from scanner.settings import load_settings
from tests.helpers.inventory import SECRET, Clock, make_finding, pg_schema_url
from tests.helpers.paths import ROOT

PACKS = load_packs(["gdpr", "cybercon", "cybrid", "cyrus"])
TIMESTAMPS = {"first_seen", "last_seen"}


def _dense_corpus(root: Path, seed: int = 12) -> Path:
    """A small PII-dense folder made with Faker's default providers (prose, a CSV, a log, NDJSON),
    next to a copy of examples/ (archives, call records, a customer table)."""
    faker = pytest.importorskip("faker")
    fake = faker.Faker()
    fake.seed_instance(seed)
    root.mkdir()
    (root / "prose.txt").write_text("\n".join(
        f"{fake.name()} wrote from {fake.email()} and {fake.ipv4()}; call {fake.phone_number()}, "
        f"card {fake.credit_card_number()}, IBAN {fake.iban()}, at {fake.date_time().isoformat()}."
        for _ in range(150)) + "\n")
    (root / "people.csv").write_text("name,email,phone,ip\n" + "".join(
        f"{fake.name()},{fake.email()},{fake.phone_number()},{fake.ipv4()}\n"
        for _ in range(150)))
    (root / "access.log").write_text("".join(
        f'{fake.ipv4()} - - [{fake.date_time().isoformat()}] "GET /u/{fake.user_name()} '
        f'HTTP/1.1" 200 512 "-" "{fake.user_agent()}"\n' for _ in range(150)))
    (root / "events.ndjson").write_text("".join(json.dumps(
        {"user": fake.name(), "mail": fake.email(), "ip": fake.ipv6(), "card": {
            "number": fake.credit_card_number()}}) + "\n" for _ in range(150)))
    for name in ("customers.csv", "calls.csv", "access.log", "archive.zip", "hr-note.txt"):
        (root / f"example-{name}").write_bytes((ROOT / "examples" / name).read_bytes())
    return root


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    corpus = _dense_corpus(tmp_path_factory.mktemp("dense") / "corpus")
    settings = load_settings().with_overrides(**{"classify.ner": False, "workers": 1})
    found = list(scan([str(corpus)], settings, secret=SECRET).findings)
    assert len(found) > 1500
    return found


class ReferenceRecording(Inventory):
    """An inventory that records with the reference bulk path."""

    def _record_batch(self, s, run_id, now, targets, batch):  # type: ignore[no-untyped-def]
        return recording.record_batch_reference(
            s, run_id=run_id, now=now, source_of=store_module._resolver(tuple(targets)),
            source_cache=self._source_ids, batch=batch)


def _second_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'reference.sqlite'}"
    else:
        yield from pg_schema_url()


def _info(n: int) -> ScanInfo:
    return ScanInfo(f"scan-{n}", "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00",
                    ("/corpus",), scanned=5 + n)


def _run(inv: Inventory, findings: Sequence[Finding], n: int, batch: int) -> str:
    """One scan handed over as ``piiscout scan`` does (ReportSink: record a batch, then write
    what it kept); returns the JSON report."""
    out = io.StringIO()
    recorder = inv.start(_info(n), PACKS)
    sink = ReportSink(JsonStream(out), recorder, batch=batch, note=lambda fs: None)
    for f in findings:
        sink.finding(f)
    sink.finish(inv, None, ScanResult(_info(n), (), ()))
    return out.getvalue()


def _runs(inv: Inventory, found: list[Finding]) -> list[str]:
    """Three runs: everything in batches of 700; then, after reviews, every other finding with
    other scores and severities in batches of 333 (counts replaced, statuses kept, false
    positives left out of the report); then everything again in one batch."""
    reports = [_run(inv, found, 1, 700)]
    rows = sorted(inv.findings(status="*", resolved=True), key=lambda r: r.id)
    for i, r in enumerate(rows[::97]):
        inv.review(r.id, ("false-positive", "confirmed", "accepted")[i % 3], reviewer="dpo")
    rng = random.Random(5)
    again = [Finding(f.location, f.entity, f.category, round(rng.uniform(0.3, 1.0), 3),
                     rng.choice(list(Severity)), f.detector, f.explanation, f.preview,
                     f.value_hash, rng.choice([None, True, False]), (), f.source_kind,
                     f.attributes) for f in found[::2]]
    reports.append(_run(inv, again, 2, 333))
    reports.append(_run(inv, found, 3, 10**6))
    return reports


def _dump(inv: Inventory) -> dict[str, list[tuple[object, ...]]]:
    """Every table the recording writes, every column but the timestamps (ids included)."""
    def columns(table: object) -> list[str]:
        return [c.name for c in table.__table__.columns  # type: ignore[attr-defined]
                if c.name not in TIMESTAMPS]

    out: dict[str, list[tuple[object, ...]]] = {}
    with inv.session() as s:
        for name, model in (("findings", FindingAgg), ("locations", LocationRow),
                            ("sources", Source), ("sightings", Sighting)):
            cols = columns(model)
            table = model.__table__  # type: ignore[attr-defined]
            out[name] = sorted(tuple(r) for r in s.execute(select(*[table.c[c] for c in cols])))
        out["runs"] = sorted((r.id, r.status, r.findings, r.scanned, r.scan_id)
                             for r in s.scalars(select(Run)))
    return out


def _runs_and_dump(inv: Inventory, scanned: list[Finding]
                   ) -> tuple[list[str], dict[str, list[tuple[object, ...]]]]:
    """The three runs' reports and the tables they leave, on a fresh ``inv`` (closed after)."""
    inv.clock = Clock()
    try:
        return _runs(inv, scanned), _dump(inv)
    finally:
        inv.close()


def test_inventory_and_report_equal_the_reference_path(
    db_url: str, tmp_path: Path, scanned: list[Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_reports, fast_dump = _runs_and_dump(Inventory.open(db_url, tmp_path), scanned)
    for url in _second_url(db_url, tmp_path):
        monkeypatch.setattr(store_module, "_aggregate", store_module._aggregate_reference)
        monkeypatch.setattr(json_report, "_finding", json_report._finding_reference)
        ref_reports, ref_dump = _runs_and_dump(
            ReferenceRecording(Inventory.open(url, tmp_path).engine), scanned)
    assert fast_dump == ref_dump
    assert fast_reports == ref_reports
    # what was compared holds what the paths must agree on
    findings = fast_dump["findings"]
    assert len(findings) > 1000
    assert len(fast_dump["sightings"]) > 2 * len(findings)
    assert len(fast_dump["locations"]) > 5
    assert any(r[-4] == "false-positive" for r in findings)  # status column
    first, second, third = (json.loads(r) for r in fast_reports)
    assert len(first["findings"]) == len(scanned)
    assert len(third["findings"]) < len(scanned)  # false positives left out
    assert {f["severity"] for f in second["findings"]} == {"low", "medium", "high"}
    assert any(f.get("attributes") for f in first["findings"])
    assert any(f["clauses"] for f in first["findings"])


def test_aggregation_equals_the_reference(scanned: list[Finding]) -> None:
    rng = random.Random(3)
    shuffled = [Finding(f.location, f.entity, f.category, rng.choice([0.1, 0.5, f.score, 1.0]),
                        rng.choice(list(Severity)), f.detector, f.explanation, f.preview,
                        f.value_hash, rng.choice([None, True, False]), f.clauses, f.source_kind)
                for f in scanned + scanned[::3] + scanned[::7]]
    long_entity = make_finding("X" * 80, "user.other", "v", field=None)
    long_hash = Finding(**{**long_entity.__dict__, "value_hash": "h" * 90, "entity": "E"})
    cases = [shuffled, [long_entity, long_entity, long_hash], []]
    for findings in cases:
        fast = store_module._aggregate(findings)
        ref = store_module._aggregate_reference(findings)
        assert list(fast) == list(ref)
        assert [(g.first, g.count, g.max_score, g.severity, g.linked) for g in fast.values()] == \
            [(g.first, g.count, g.max_score, g.severity, g.linked) for g in ref.values()]
    merged = store_module._aggregate(shuffled)
    assert max(g.count for g in merged.values()) > 1
    assert {g.linked for g in merged.values()} == {None, True, False}


def _variants() -> list[Finding]:
    base = make_finding("EMAIL_ADDRESS", "user.contact.email", "zoë@example.org",
                        uri="file:///d/ü \"q\".csv", field="mail\tbox", line=7)
    d = base.__dict__
    return [
        base,
        Finding(**{**d, "location": Location("s3://b/k", None, None)}),
        Finding(**{**d, "clauses": ("gdpr/art-9", "cyrus/x\u2028y", "a\\b")}),
        Finding(**{**d, "attributes": {"share": 0.98, "sampled": 59, "scope": "global"}}),
        Finding(**{**d, "attributes": {"nested": {"a": [1, 2.5, None, True]}, "empty": [],
                                       "none": None, "flag": False, "big": 10**20}}),
        Finding(**{**d, "attributes": {1: "non-str key"}}),
        Finding(**{**d, "score": 1, "linked": True}),
        Finding(**{**d, "score": math.nan, "linked": False}),
        Finding(**{**d, "score": 0.123456789, "explanation": "ctl \x00\x1f \ud800"}),
        Finding(**{**d, "location": Location("file:///x", 3, 5)}),  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize("indent", [0, 2, 4, 6])
def test_the_f_string_finding_writes_what_the_reference_writes(indent: int) -> None:
    for f in _variants():
        assert json_report._finding_checked(f, indent) == json_report._finding_reference(
            f, indent), f


def test_a_report_of_variants_is_the_collected_document() -> None:
    findings = [f for f in _variants() if f.score == f.score]  # NaN is not equal to itself
    out = io.StringIO()
    writer = JsonStream(out)
    for f in findings:
        writer.finding(f)
    result = ScanResult(_info(1), tuple(findings), ())
    writer.end(result)
    doc = result.to_dict()
    assert json.loads(out.getvalue()) == json.loads(json.dumps(doc))
