"""End to end: `piiscout scan` over a golden corpus, the examples, hostile input and peer fixtures."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from scanner.cli import main
from scanner.models import Finding, ScanResult
from scanner.pipeline import Classifier, scan
from scanner.settings import Settings, load_settings
from tests.helpers.paths import EXAMPLES, GOLDEN

SECRET = b"s" * 32

# Clear values planted in examples/: none may appear in anything a scan writes.
PLANTED = [
    "jane.roe@example.org", "r.mehta@example.com", "amelia.hughes@example.net",
    "+44 20 7946 0958", "(212) 555-0147", "4111 1111 1111 1111", "5500 0000 0000 0004",
    "daniel.okafor@example.org", "GB82 WEST 1234 5698 7654 32", "536-22-8197",
    "203.0.113.7", "490154203237518", "3c:22:fb:1a:2b:3c", "8f3b2c1d9e7a6b5c4d3e2f1a",
    "maria.garcia@example.org", "+447700900123", "+33612345678", "Daniel Okafor", "Rahul",
]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings().with_overrides(workers=1)


@pytest.fixture(scope="session")
def classifier(settings: Settings) -> Classifier:
    return Classifier(settings, SECRET)


@pytest.fixture(scope="session")
def golden(settings: Settings, classifier: Classifier) -> ScanResult:
    return scan([str(GOLDEN)], settings, secret=SECRET, classifier=classifier)


def _rel(f: Finding) -> str:
    return f.location.uri.removeprefix(GOLDEN.resolve().as_uri() + "/")


def _expectations() -> list[dict[str, object]]:
    return yaml.safe_load((GOLDEN / "expected.yaml").read_text())["must_find"]


@pytest.mark.parametrize("want", _expectations(), ids=lambda w: f"{w['path']}:{w['entity']}")
def test_golden_finding_is_reported_where_it_is(golden: ScanResult, want: dict[str, object]) -> None:
    hits = [
        f for f in golden.findings
        if _rel(f) == want["path"] and f.entity == want["entity"]
        and ("line" not in want or f.location.line == want["line"])
        and ("field" not in want or f.location.field == want["field"])
    ]
    assert hits, f"missing {want}; got {[(_rel(f), f.location.line, f.location.field, f.entity) for f in golden.findings if _rel(f) == want['path']]}"


def test_golden_near_misses_are_not_reported(golden: ScanResult) -> None:
    absent = yaml.safe_load((GOLDEN / "expected.yaml").read_text())["absent"]
    for path, entities in absent.items():
        wrong = [(f.location.line, f.entity) for f in golden.findings
                 if _rel(f) == path and f.entity in entities]
        assert not wrong, f"{path}: unexpected {wrong}"


def test_golden_findings_carry_preview_hash_and_explanation(golden: ScanResult) -> None:
    assert golden.info.scanned == 6 and golden.info.failed == 0
    for f in golden.findings:
        assert f.preview and len(f.value_hash) == 64 and f.explanation and f.detector
        assert f.category and 0 < f.score <= 1


def test_workers_give_the_same_findings_in_the_same_order(
    settings: Settings, classifier: Classifier, golden: ScanResult
) -> None:
    two = scan([str(GOLDEN)], settings.with_overrides(workers=2), secret=SECRET,
               classifier=classifier)
    assert [f.to_dict() for f in two.findings] == [f.to_dict() for f in golden.findings]


def test_bad_input_never_stops_a_scan(tmp_path: Path, settings: Settings,
                                      classifier: Classifier) -> None:
    with zipfile.ZipFile(tmp_path / "a-corrupt.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("people.csv", "name,email\n" + "Ann Lee,ann.lee@example.org\n" * 200)
    blob = (tmp_path / "a-corrupt.zip").read_bytes()
    (tmp_path / "a-corrupt.zip").write_bytes(blob[: len(blob) // 2])  # cut in the middle
    (tmp_path / "b-junk.bin").write_bytes(bytes(range(256)) * 50)
    (tmp_path / "c-fake.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(300))
    (tmp_path / "d-empty.txt").write_bytes(b"")
    os.mkfifo(tmp_path / "e-pipe")
    (tmp_path / "z-good.txt").write_text("Write to carla.mendes@example.org today.\n")
    result = scan([str(tmp_path)], settings, secret=SECRET, classifier=classifier)
    good = [f for f in result.findings if f.location.uri.endswith("z-good.txt")]
    assert "EMAIL_ADDRESS" in [f.entity for f in good]
    kinds = {Path(e.location).name.split("!")[0]: e.kind for e in result.errors}
    assert "e-pipe" in kinds and "a-corrupt.zip" in kinds
    assert kinds["b-junk.bin"] in ("unsupported", "skipped")  # binary, no extractor: a recorded skip
    # corrupt zip and fake PDF failed; empty and good files scanned; the FIFO and junk skipped
    assert (result.info.failed, result.info.scanned, result.info.skipped) == (2, 2, 2)


def test_cli_json_report_and_inventory_hold_no_clear_values(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    db = tmp_path / "inventory.db"
    runner = CliRunner()
    res = runner.invoke(main, ["scan", str(EXAMPLES), "--format", "json", "-o", str(out),
                               "--db", f"sqlite:///{db}", "--workers", "1", "--no-progress"])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["schema"] == "piiscout.scan/1"
    assert doc["scan"]["items"]["failed"] == 0
    entities = {f["entity"] for f in doc["findings"]}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "PERSON", "IP_ADDRESS"} <= entities
    assert any("archive.zip!/2023/leavers.csv" in f["location"]["uri"] for f in doc["findings"])
    written = [out.read_bytes(), db.read_bytes(), res.output.encode()]
    for blob in written:
        for value in PLANTED:
            assert value.encode() not in blob, f"clear value {value!r} leaked"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "table"])
def test_cli_other_formats(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    res = CliRunner().invoke(main, ["scan", str(GOLDEN / "letter.txt"), "--format", fmt, "-o",
                                    str(out), "--no-inventory", "--workers", "1"])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "harriet.whitfield@example.org" not in text
    if fmt == "csv":
        assert text.splitlines()[0].startswith("uri,line,field,entity")
        assert any(",EMAIL_ADDRESS," in line for line in text.splitlines())
    elif fmt == "jsonl":
        lines = [json.loads(x) for x in text.splitlines()]
        assert lines[-1]["type"] == "scan" and lines[-1]["items"]["scanned"] == 1
        assert any(x["type"] == "finding" and x["entity"] == "EMAIL_ADDRESS" for x in lines)
    else:
        assert "EMAIL_ADDRESS" in text and "findings" in text


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_streamed_formats_match_the_collected_report(tmp_path: Path, fmt: str) -> None:
    """With --no-inventory, jsonl/csv are written while scanning; same findings as json."""
    runner = CliRunner()
    common = ["scan", str(GOLDEN), "--workers", "1", "--no-progress", "--no-inventory"]
    ref = runner.invoke(main, [*common, "--format", "json", "-o", str(tmp_path / "r.json")])
    out = runner.invoke(main, [*common, "--format", fmt, "-o", str(tmp_path / f"r.{fmt}"),
                               "--fail-on", "high"])
    assert ref.exit_code == 0 and out.exit_code == 1  # the golden card number is high
    want = sorted((f["location"]["uri"], f["location"]["line"] or 0, f["entity"], f["value_hash"])
                  for f in json.loads((tmp_path / "r.json").read_text())["findings"])
    text = (tmp_path / f"r.{fmt}").read_text()
    if fmt == "jsonl":
        rows = [json.loads(x) for x in text.splitlines()]
        got = sorted((r["location"]["uri"], r["location"]["line"] or 0, r["entity"],
                      r["value_hash"]) for r in rows if r["type"] == "finding")
    else:
        import csv

        got = sorted((r["uri"], int(r["line"] or 0), r["entity"], r["value_hash"])
                     for r in csv.DictReader(text.splitlines()))
    assert got == want and len(got) > 10


def test_streamed_output_records_the_inventory_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jsonl with the inventory on: findings stream out, the inventory ends as after a collected
    (json) scan, and a finding reviewed as a false positive is recorded but no longer written."""
    from scanner.cli import scan as scan_cli
    from scanner.inventory import Inventory
    from scanner.inventory.store import RunRecorder

    sizes: list[int] = []
    add = RunRecorder.add
    monkeypatch.setattr(RunRecorder, "add", lambda self, fs: sizes.append(len(fs)) or add(self, fs))
    runner = CliRunner()
    common = ["scan", str(GOLDEN), "--workers", "1", "--no-progress"]
    streamed_db, collected_db = f"sqlite:///{tmp_path / 's.db'}", f"sqlite:///{tmp_path / 'c.db'}"
    # json streams too: the reference records everything in one batch, jsonl in many.
    monkeypatch.setattr(scan_cli, "RECORD_BATCH", 10**6)
    ref = runner.invoke(main, [*common, "--db", collected_db, "-o", str(tmp_path / "r.json")])
    monkeypatch.setattr(scan_cli, "RECORD_BATCH", 3)  # many batches on a small corpus
    out = runner.invoke(main, [*common, "--db", streamed_db, "-o", str(tmp_path / "r.jsonl")])
    assert ref.exit_code == 0 and out.exit_code == 0, out.output

    def lines() -> list[tuple[str, str, str]]:
        rows = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
        return sorted((r["location"]["uri"], r["entity"], r["value_hash"])
                      for r in rows if r["type"] == "finding")

    want = sorted((f["location"]["uri"], f["entity"], f["value_hash"])
                  for f in json.loads((tmp_path / "r.json").read_text())["findings"])
    assert lines() == want and len(want) > 10
    streamed_batches = sizes[1:]  # sizes[0]: the collected scan's one call
    assert sizes[0] == len(want) and max(streamed_batches) <= 3 and sum(streamed_batches) == len(want)

    def stored(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        with Inventory.open(url, tmp_path) as inv:
            rows = sorted((r.uri, r.field, r.entity, r.value_hash, r.count, r.severity, r.linked,
                           r.clauses) for r in inv.findings())
            runs = [(r.status, r.scanned, r.findings, r.errors) for r in inv.runs()]
        return rows, runs

    assert stored(streamed_db) == stored(collected_db)
    with Inventory.open(streamed_db, tmp_path) as inv:
        target = next(r for r in inv.findings() if r.entity == "EMAIL_ADDRESS")
        inv.review(target.id, "false-positive", reviewer="dpo", note="test address")
    again = runner.invoke(main, [*common, "--db", streamed_db, "-o", str(tmp_path / "r.jsonl")])
    assert again.exit_code == 0
    gone = [w for w in want if w[0] == target.uri and w[2] == target.value_hash]
    assert gone and not set(gone) & set(lines())
    assert len(lines()) == len(want) - len(gone)


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--no-inventory", "--workers", "1", "--format", "json", "-o", str(tmp_path / "o")]
    high = runner.invoke(main, ["scan", str(GOLDEN / "letter.txt"), "--fail-on", "high", *args])
    assert high.exit_code == 1  # the card number is high severity
    clean = tmp_path / "clean.txt"
    clean.write_text("Nothing personal here, only the weather.\n")
    ok = runner.invoke(main, ["scan", str(clean), "--fail-on", "medium", *args])
    assert ok.exit_code == 0, ok.output
    missing = runner.invoke(main, ["scan", str(tmp_path / "nope"), *args])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    bad = runner.invoke(main, ["scan", str(clean), "--format", "xml"])
    assert bad.exit_code == 2


def test_pdscan_peer_fixtures(shared_corpus: Path, settings: Settings,
                              classifier: Classifier) -> None:
    data = shared_corpus / "peer" / "pdscan_testdata"
    result = scan([str(data)], settings, secret=SECRET, classifier=classifier)
    emails = {f.location.uri.split("pdscan_testdata/", 1)[1] for f in result.findings
              if f.entity == "EMAIL_ADDRESS"}
    for name in ("email.txt", "email.csv", "email.xlsx"):
        assert name in emails, f"no email in {name}: {sorted(emails)}"
    assert any(u.startswith("email.zip!/") for u in emails), emails
    assert any(u.startswith("email.tar.gz!/") for u in emails), emails
    for name in ("url.txt", "empty.txt"):
        assert not [f for f in result.findings if f.location.uri.endswith("/" + name)
                    and f.entity == "EMAIL_ADDRESS"]


def test_policies_report_the_dpo_phone_and_address(shared_policies: Path, settings: Settings,
                                                   classifier: Classifier) -> None:
    result = scan([str(shared_policies)], settings, secret=SECRET, classifier=classifier)

    def at(name: str, entity: str) -> list[int | None]:
        return [f.location.line for f in result.findings
                if f.location.uri.endswith(name) and f.entity == entity]

    assert 145 in at("cybrid-privacy-policy.txt", "PERSON")           # the DPO, Mike Jenkings
    assert 38 in at("cybercon-safe-harbor-policy.txt", "PHONE_NUMBER")
    assert {36, 37} & set(at("cybercon-safe-harbor-policy.txt", "LOCATION"))
    linked = [f for f in result.findings if f.linked]
    assert not linked, [(f.location.uri, f.location.line, f.entity) for f in linked]


def test_zip_member_uri(tmp_path: Path, settings: Settings, classifier: Classifier) -> None:
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as z:
        z.writestr("dir/b.csv", "id,email\n1,x.y@example.org\n")
    result = scan([str(tmp_path)], settings, secret=SECRET, classifier=classifier)
    (f,) = [f for f in result.findings if f.entity == "EMAIL_ADDRESS"]
    assert f.location.uri == (tmp_path / "a.zip").resolve().as_uri() + "!/dir/b.csv"
    assert (f.location.line, f.location.field) == (2, "email")


def test_log_timestamps_are_not_findings_but_prose_dates_are(
    tmp_path: Path, settings: Settings, classifier: Classifier
) -> None:
    log = tmp_path / "app.log"
    log.write_text("".join(
        f"2024-03-0{i}T10:00:0{i}Z level=info msg=\"login\" user=u{i}@example.org\n"
        for i in range(1, 9)))
    prose = tmp_path / "letter.txt"
    prose.write_text("Dear Ann,\n\nYour appointment is on 12 March 2024 at the clinic.\n")
    result = scan([str(tmp_path)], settings, secret=SECRET, classifier=classifier)
    in_log = [f.entity for f in result.findings if f.location.uri.endswith("app.log")]
    assert in_log.count("EMAIL_ADDRESS") == 8 and "DATE_TIME" not in in_log
    assert "DATE_TIME" in [f.entity for f in result.findings
                           if f.location.uri.endswith("letter.txt")]


def test_a_call_record_row_is_one_finding_on_its_line_with_no_field(
    tmp_path: Path, settings: Settings, classifier: Classifier
) -> None:
    (tmp_path / "cdr.csv").write_text(
        "start_time,caller,callee,duration_s\n"
        "2024-03-01 10:02:11,+14155550199,+14155550123,192\n"
        "2024-03-01 11:15:40,+442079460321,+33612345678,45\n")
    result = scan([str(tmp_path)], settings, secret=SECRET, classifier=classifier)
    calls = [(f.location.line, f.location.field) for f in result.findings
             if f.entity == "CALL_RECORD"]
    assert calls == [(2, None), (3, None)]
