"""docs/report.schema.json: real `piiscout scan` output validates against it, broken output does not.

The scans read examples/, a corrupt zip (an error entry) and a small SQLite table (a column-level
finding with attributes), once as `--format json` with the inventory on and once as
`--format jsonl --no-inventory`: the two ways the CLI writes a JSON report.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from scanner.cli import main
from tests.helpers.paths import ROOT

SCHEMA_PATH = ROOT / "docs" / "report.schema.json"
EXAMPLES = ROOT / "examples"


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return schema


def _validator(ref: str = "") -> Draft202012Validator:
    """A validator of the whole document, or with ``ref`` (``#/$defs/line``) of one part."""
    schema = _schema()
    if not ref:
        return Draft202012Validator(schema, format_checker=FormatChecker())
    registry: Registry[Any] = Registry().with_resource(schema["$id"],
                                                       Resource.from_contents(schema))
    return Draft202012Validator({"$ref": schema["$id"] + ref}, registry=registry,
                                format_checker=FormatChecker())


def _sources(tmp: Path) -> list[str]:
    bad = tmp / "bad"
    bad.mkdir()
    (bad / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip archive at all" * 4)
    db = tmp / "crm.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, note TEXT)")
        conn.executemany("INSERT INTO contacts (email, note) VALUES (?, ?)",
                         [(f"person{i}.contact@example.org", "called back") for i in range(25)])
    conn.close()
    return [str(EXAMPLES), str(bad), f"sqlite:///{db}"]


def _scan(tmp: Path, *args: str) -> str:
    out = tmp / "report.out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIISCOUT_HOME", str(tmp / "home"))
        mp.setenv("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        res = CliRunner().invoke(main, ["scan", *_sources(tmp), "-o", str(out), "--workers", "1",
                                        "--no-progress", *args])
    assert res.exit_code == 0, res.output  # no --fail-on: findings and item errors exit 0
    return out.read_text("utf-8")


@pytest.fixture(scope="module")
def json_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("json")
    doc: dict[str, Any] = json.loads(
        _scan(tmp, "--format", "json", "--db", f"sqlite:///{tmp / 'inventory.db'}"))
    return doc


@pytest.fixture(scope="module")
def jsonl_lines(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("jsonl")
    text = _scan(tmp, "--format", "jsonl", "--no-inventory")
    return [json.loads(line) for line in text.splitlines()]


def _messages(validator: Draft202012Validator, instance: object) -> list[str]:
    return [e.message for e in validator.iter_errors(instance)]


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_json_report_of_a_real_scan_is_valid(json_doc: dict[str, Any]) -> None:
    assert _messages(_validator(), json_doc) == []
    # the scan covered what the schema has to describe: findings with and without attributes,
    # a database column, an error entry
    findings = json_doc["findings"]
    assert len(findings) > 20
    assert any("attributes" in f for f in findings)
    assert any("attributes" not in f for f in findings)
    assert any(f["location"]["uri"].startswith("sqlite:") for f in findings)
    assert any(e["location"].endswith("broken.zip") for e in json_doc["errors"])


def test_every_line_of_a_real_jsonl_report_is_valid(jsonl_lines: list[dict[str, Any]]) -> None:
    line = _validator("#/$defs/line")
    for n, obj in enumerate(jsonl_lines, 1):
        assert _messages(line, obj) == [], f"line {n}: {obj.get('type')}"
    kinds = [obj["type"] for obj in jsonl_lines]
    # findings, then errors, then exactly one summary, last
    assert kinds == sorted(kinds, key=["finding", "error", "scan"].index)
    assert kinds.count("scan") == 1 and kinds[-1] == "scan"
    assert "error" in kinds and kinds.count("finding") > 20


def test_both_formats_carry_the_same_summary_fields(json_doc: dict[str, Any],
                                                    jsonl_lines: list[dict[str, Any]]) -> None:
    summary = jsonl_lines[-1]
    assert set(summary) - {"type", "schema"} == set(json_doc["scan"])
    assert summary["items"].keys() == json_doc["scan"]["items"].keys()


def _drop(path: tuple[str | int, ...]) -> Any:
    def edit(doc: Any) -> None:
        *parents, last = path
        for key in parents:
            doc = doc[key]
        del doc[last]
    return edit


def _set(path: tuple[str | int, ...], value: object) -> Any:
    def edit(doc: Any) -> None:
        *parents, last = path
        for key in parents:
            doc = doc[key]
        doc[last] = value
    return edit


# Each of these turns the real report into one the schema must refuse.
BROKEN = {
    "no schema": _drop(("schema",)),
    "no findings array": _drop(("findings",)),
    "no errors array": _drop(("errors",)),
    "no scan summary": _drop(("scan",)),
    "finding without value_hash": _drop(("findings", 0, "value_hash")),
    "finding without entity": _drop(("findings", 0, "entity")),
    "finding without preview": _drop(("findings", 0, "preview")),
    "finding without clauses": _drop(("findings", 0, "clauses")),
    "location without uri": _drop(("findings", 0, "location", "uri")),
    "location without line": _drop(("findings", 0, "location", "line")),
    "error without kind": _drop(("errors", 0, "kind")),
    "summary without id": _drop(("scan", "id")),
    "summary without failed count": _drop(("scan", "items", "failed")),
    "another schema version": _set(("schema",), "piiscout.scan/2"),
    "a clear value next to the preview": _set(("findings", 0, "value"), "jane.roe@example.org"),
    "a value_hash that is not a hash": _set(("findings", 0, "value_hash"), "jane.roe@example.org"),
    "an unknown severity": _set(("findings", 0, "severity"), "critical"),
    "a score over 1": _set(("findings", 0, "score"), 1.5),
    "line 0": _set(("findings", 0, "location", "line"), 0),
    "a negative count": _set(("scan", "items", "scanned"), -1),
    "a start time that is not a time": _set(("scan", "started_at"), "yesterday"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_json_report_fails_validation(json_doc: dict[str, Any], name: str) -> None:
    doc = copy.deepcopy(json_doc)
    BROKEN[name](doc)
    assert _messages(_validator(), doc), f"{name}: accepted"


def _lines_of(jsonl_lines: list[dict[str, Any]], kind: str) -> Iterator[dict[str, Any]]:
    return (copy.deepcopy(obj) for obj in jsonl_lines if obj["type"] == kind)


BROKEN_LINES = {
    "finding without type": ("finding", _drop(("type",))),
    "finding typed as an error": ("finding", _set(("type",), "error")),
    "finding without value_hash": ("finding", _drop(("value_hash",))),
    "finding with a clear value": ("finding", _set(("value",), "4111 1111 1111 1111")),
    "error without message": ("error", _drop(("message",))),
    "summary without schema": ("scan", _drop(("schema",))),
    "summary without items": ("scan", _drop(("items",))),
    "an unknown line type": ("scan", _set(("type",), "summary")),
}


@pytest.mark.parametrize("name", sorted(BROKEN_LINES))
def test_a_broken_jsonl_line_fails_validation(jsonl_lines: list[dict[str, Any]], name: str) -> None:
    kind, edit = BROKEN_LINES[name]
    obj = next(_lines_of(jsonl_lines, kind))
    assert _messages(_validator("#/$defs/line"), obj) == []  # valid before the edit
    edit(obj)
    assert _messages(_validator("#/$defs/line"), obj), f"{name}: accepted"
