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


NESTED_CASES: list[object] = [
    None, True, False, 0, -7, 2**70, 0.1, 1e-9, 1e300, -0.0, 3.0, float("nan"), float("inf"),
    float("-inf"), "", "plain", "zoë \u2028 \x00 \x1f \"q\" \\ /", "\ud800", [], {}, (), [1, "a"],
    (1.5, None), {"a": 1}, {"a": {"b": [1, {"c": []}], "d": {}}}, [[[]]], [{}, {"x": ()}],
    {1: "int key"}, {"x": {2.5: "float key", "y": None}}, {True: 1}, {None: 1},
    {"location": {"uri": "file:///d/ü.csv", "line": 3, "field": None}, "score": 0.85,
     "clauses": ["a", "b"], "attributes": {"share": 0.98, "sampled": 59}},
]


def test_the_direct_encoder_writes_what_json_dumps_writes() -> None:
    """The fast path (:func:`_nested`) against the reference (``json.dumps(indent=2)``)."""
    from scanner.reports.json_report import _nested, _nested_reference

    for value in NESTED_CASES:
        for indent in (0, 2, 4, 6):
            assert _nested(value, indent) == _nested_reference(value, indent), (value, indent)
    for f in findings(50):
        assert _nested(f.to_dict(), 4) == _nested_reference(f.to_dict(), 4)


def test_the_direct_encoder_on_random_documents() -> None:
    import random

    from scanner.reports.json_report import _nested, _nested_reference

    rng = random.Random(7)

    def value(depth: int) -> object:
        kind = rng.randrange(9 if depth < 4 else 6)
        if kind == 0:
            return rng.choice([None, True, False])
        if kind == 1:
            return rng.randint(-10**12, 10**12)
        if kind == 2:
            return rng.uniform(-1e6, 1e6) * rng.choice([1, 1e-12, 1e12])
        if kind in (3, 4, 5):
            return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 32),
                                           rng.randrange(128, 0x3000)]))
                           for _ in range(rng.randrange(12)))
        if kind in (6, 7):
            return {str(value(9)): value(depth + 1) for _ in range(rng.randrange(4))}
        return [value(depth + 1) for _ in range(rng.randrange(4))]

    for _ in range(2_000):
        v = value(0)
        assert _nested(v, 4) == _nested_reference(v, 4), v


def test_the_spelled_out_finding_writes_what_json_dumps_writes() -> None:
    import dataclasses

    from scanner.models import Location
    from scanner.reports.json_report import _finding_checked, _nested_reference

    base = findings(40)
    variants = []
    for i, f in enumerate(base):
        variants.append(f)
        variants.append(dataclasses.replace(
            f, location=Location(f.location.uri, None if i % 3 else i, None if i % 2 else "f\u00e9"),
            clauses=() if i % 4 else ("a", "b\n"), linked=(None, True, False)[i % 3],
            score=(0.1 + i / 7), attributes={"n": i, "x": [1.5]} if i % 5 == 0 else {},
            explanation="" if i % 6 == 0 else f.explanation))
    for f in variants:
        for indent in (0, 4):
            assert _finding_checked(f, indent) == _nested_reference(f.to_dict(), indent)
