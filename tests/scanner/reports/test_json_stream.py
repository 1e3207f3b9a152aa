"""The JSON report is written incrementally and is the same document as ``ScanResult.to_dict``."""

from __future__ import annotations

import io
import json
import tracemalloc

from scanner.models import Finding, ScanError, ScanResult
from scanner.reports import STREAMING, stream_writer
from scanner.reports.json_report import JsonStream, write_json
from tests.helpers.inventory import make_finding, make_info


def findings(n: int) -> list[Finding]:
    out = []
    for i in range(n):
        f = make_finding("EMAIL_ADDRESS", "user.contact.email", f"zoë{i}@example.org",
                         uri=f"file:///d/ü{i % 7}.csv", field="mail" if i % 2 else None)
        out.append(f)
    return out


def test_same_document_as_the_collected_report() -> None:
    cases = [
        ScanResult(make_info(), (), ()),
        ScanResult(make_info(), tuple(findings(3)),
                   (ScanError("file:///d/x.zip", "bomb", "ratio 1:900 — stopped"),)),
    ]
    with_attrs = findings(1)[0]
    object.__setattr__(with_attrs, "attributes", {"share": 0.98, "sampled": 59})
    cases.append(ScanResult(make_info(), (with_attrs,), ()))
    for result in cases:
        out = io.StringIO()
        write_json(result, out)
        assert json.loads(out.getvalue()) == result.to_dict()
        assert out.getvalue().endswith("}\n")
        assert list(json.loads(out.getvalue())) == ["schema", "findings", "errors", "scan"]
        streamed = io.StringIO()
        writer = stream_writer("json", streamed)
        for f in result.findings:
            writer.finding(f)
        writer.end(result)
        assert streamed.getvalue() == out.getvalue()
        # the same two-space layout as json.dump(indent=2), key order aside
        doc = result.to_dict()
        reordered = {k: doc[k] for k in ("schema", "findings", "errors", "scan")}
        assert out.getvalue() == json.dumps(reordered, indent=2, ensure_ascii=False) + "\n"
    assert "json" in STREAMING


class Sink(io.TextIOBase):
    def __init__(self) -> None:
        self.chars = 0

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


def test_memory_does_not_grow_with_the_findings() -> None:
    one = findings(1)[0]
    sink = Sink()
    writer = JsonStream(sink)
    tracemalloc.start()
    try:
        for _ in range(5_000):
            writer.finding(one)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    writer.end(ScanResult(make_info(), (), ()))
    assert sink.chars > 5_000 * 300  # ~2 MB written
    assert peak < 1_000_000  # held: about one finding's text, not 5,000
