"""The pipeline as stages (scanner/stages/) and the scan command's one output path.

The stages are tested end to end by the suite (tests/test_workers.py compares every route);
here: the names scanner.pipeline keeps, the post-scan stage of tables above the connector, the
pool limits a caller sets on scanner.pipeline, and the report sink of ``piiscout scan``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.base import UnitSource, connector_for
from connectors.db_table import TableSource
from scanner import errorkinds, pipeline
from scanner.cli.scan_output import CollectedReport, ReportSink, report_writer
from scanner.models import Finding, Location, ScanInfo, ScanResult, Severity, TextUnit
from scanner.reports.sarif import SarifStream
from scanner.settings import Settings, load_settings
from scanner.stages import classify, columns, replay, steps, walk, workers

SECRET = b"stages-test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings().with_overrides(**{"workers": 1, "classify.ner": False})


@pytest.fixture(scope="module")
def classifier(settings: Settings) -> classify.Classifier:
    return classify.Classifier(settings, SECRET)


def test_the_pipeline_keeps_its_names_and_they_are_the_stages() -> None:
    missing = [n for n in pipeline.__all__ if not hasattr(pipeline, n)]
    assert missing == []
    assert pipeline.Classifier is classify.Classifier
    assert pipeline.Progress is replay.Progress
    assert pipeline._Replay is replay.Replay  # benchmarks/cluster.py
    assert pipeline.walk_steps is steps.walk_steps
    assert pipeline.target_walk is walk.target_walk
    assert pipeline.item_ref is workers.item_ref and pipeline.item_from_ref is workers.item_from_ref
    assert pipeline.SKIP_KINDS is errorkinds.SKIP_KINDS


@pytest.fixture(scope="module")
def table_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("stages") / "crm.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, note TEXT)"))
        for i in range(1, 31):
            conn.execute(sa.text("INSERT INTO people (email, note) VALUES (:e, :n)"),
                         {"e": f"person{i}@example.org", "n": f"call back on day {i}"})
    engine.dispose()
    return f"sqlite:///{path}"


def test_a_table_is_summarised_by_the_post_scan_stage_not_by_the_connector(
    table_url: str, settings: Settings, classifier: classify.Classifier
) -> None:
    connector = connector_for(table_url, settings)
    try:
        (source,) = [w for w in connector.walk() if isinstance(w, TableSource)]
        cells = classifier.flat(list(source.units()))
    finally:
        connector.close()
    assert isinstance(source, columns.ColumnSource)
    assert len(cells) == 30 and all("#row=" in f.location.uri for f in cells)
    assert source.summarize(cells) == cells  # the connector leaves them as they are
    (column,) = columns.summarize(source, cells)
    assert (column.location.uri, column.location.line, column.location.field) == (
        source.uri, None, "email")
    assert column.entity == "EMAIL_ADDRESS" and column.attributes["matched"] == 30
    scanned = pipeline.scan([table_url], settings, secret=SECRET, classifier=classifier)
    assert list(scanned.findings) == [column]


class Lines:
    """A unit source that is not a table: it summarises its own findings (keeps the first)."""

    source_kind = "file"

    def __init__(self, uri: str, texts: Sequence[str]) -> None:
        self.uri, self.texts = uri, texts

    def units(self) -> Iterator[TextUnit]:
        for i, text in enumerate(self.texts, 1):
            yield TextUnit(Location(self.uri, i), text, "log")

    def summarize(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings[:1])


def test_another_unit_source_summarises_itself(settings: Settings,
                                               classifier: classify.Classifier) -> None:
    source = Lines("mem://lines", ["a@example.org", "b@example.org", "nothing here"])
    assert isinstance(source, UnitSource) and not isinstance(source, columns.ColumnSource)
    tally = replay.Replay()
    events = [e for s in steps.walk_steps(source, settings, classifier.flat)
              for e in tally.events(s)]
    found = [e for e in events if isinstance(e, Finding)]
    assert len(found) == 1 and found[0].location == Location("mem://lines", 1)
    assert (tally.scanned, tally.findings) == (1, 1)


def test_the_pool_takes_its_limits_from_the_pipeline_module(
    tmp_path: Path, settings: Settings, classifier: classify.Classifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tests/test_workers.py sets scanner.pipeline.GROUP_ITEMS and WORKER_ITEM_BYTES to take
    the small-groups route: the values must reach the pool."""
    for i in range(5):
        (tmp_path / f"f{i}.txt").write_text(f"mail person{i}@example.org\n")
    seen: dict[str, object] = {}
    real = workers.Pool.__init__

    def spy(self: workers.Pool, *args: object, **kwargs: object) -> None:
        seen.update(kwargs)
        real(self, *args, **kwargs)

    monkeypatch.setattr(workers.Pool, "__init__", spy)
    monkeypatch.setattr(pipeline, "GROUP_ITEMS", 3)
    monkeypatch.setattr(pipeline, "WORKER_ITEM_BYTES", 4096)
    two = pipeline.scan([str(tmp_path)], settings.with_overrides(workers=2), secret=SECRET,
                        classifier=classifier)
    assert seen["group_items"] == 3 and seen["item_bytes"] == 4096
    one = pipeline.scan([str(tmp_path)], settings, secret=SECRET, classifier=classifier)
    assert two.findings == one.findings and len(one.findings) == 5


# -- the output path of `piiscout scan` ------------------------------------------------------
def finding(i: int) -> Finding:
    return Finding(Location(f"file:///share/{i}.txt", 1), "EMAIL_ADDRESS", "user.contact.email",
                   0.9, Severity.MEDIUM, "PII-EMAIL", "pattern", "p***@e***.org", f"{i:064x}")


RESULT = ScanResult(ScanInfo("run", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:01+00:00",
                             ("/share",), scanned=3), (), ())


def test_a_streaming_format_is_written_as_the_findings_come() -> None:
    out = io.StringIO()
    noted: list[Finding] = []
    sink = ReportSink(report_writer("jsonl", out, color=False, wide=False), None, batch=2,
                      note=noted.extend)
    assert sink.wants_mapped  # no inventory: the pipeline maps the clauses
    sink.finding(finding(1))
    assert '"type": "finding"' in out.getvalue()  # before the scan ends
    sink.finding(finding(2))
    sink.finish(None, None, RESULT)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["value_hash"] for r in rows if r["type"] == "finding"] == [f"{1:064x}", f"{2:064x}"]
    assert rows[-1]["type"] != "finding"
    assert noted == [finding(1), finding(2)]


def test_a_format_written_at_the_end_gets_every_finding_once_in_order() -> None:
    written: list[tuple[Finding, ...]] = []

    def write(result: ScanResult, stream: io.StringIO, *, color: bool) -> None:
        written.append(result.findings)
        stream.write(f"{len(result.findings)} findings, {result.info.scanned} scanned\n")

    out = io.StringIO()
    sink = ReportSink(CollectedReport(write, out, color=False), None, batch=2, note=lambda fs: None)
    for i in range(3):
        sink.finding(finding(i))
    assert written == [] and out.getvalue() == ""
    assert sink.finish(None, None, RESULT) is RESULT
    assert written == [tuple(finding(i) for i in range(3))]
    assert out.getvalue() == "3 findings, 3 scanned\n"


def test_sarif_is_grouped_with_the_findings_the_inventory_suppresses() -> None:
    out = io.StringIO()
    writer = report_writer("sarif", out, color=False, wide=False)
    assert isinstance(writer, SarifStream) and writer.suppressed_too
    sink = ReportSink(writer, None, batch=2, note=lambda fs: None)
    assert sink.wants_mapped
    sink.finding(finding(7))
    assert out.getvalue() == ""
    sink.finish(None, None, RESULT)
    doc = json.loads(out.getvalue())
    assert doc["version"] == "2.1.0" and len(doc["runs"][0]["results"]) == 1
