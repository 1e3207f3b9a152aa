"""Custom recognizers in Presidio's YAML format: loaded into the engine's pattern pass, found in a
scan, with stable ids and categories; a bad file is an error naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from classifiers.custom_yaml import RecognizerFileError, load_classifiers, parse
from classifiers.engine import Engine
from scanner.cli import main
from scanner.models import Location, TextUnit
from scanner.settings import load_settings

RECOGNIZERS = """\
recognizers:
  - name: "Employee id"
    supported_language: en
    supported_entity: EMPLOYEE_ID
    category: user.unique_id
    patterns:
      - name: employee id
        regex: "\\\\bE-\\\\d{4}\\\\b"
        score: 0.3
    context: [employee, staff]
  - name: "Zip code Recognizer"
    supported_language: "de"
    patterns:
      - name: "zip code (weak)"
        regex: "(\\\\b\\\\d{5}(?:\\\\-\\\\d{4})?\\\\b)"
        score: 0.01
    supported_entity: "ZIP"
  - name: "Titles recognizer"
    supported_languages: [en]
    supported_entities: [TITLE]
    deny_list: [Mr., Mrs., Dr.]
  - name: "Disabled one"
    enabled: false
    supported_entity: NOPE
    patterns: [{name: x, regex: "nope", score: 1}]
"""


def engine_for(path: Path) -> Engine:
    settings = load_settings().with_overrides(**{"classify.recognizers": str(path),
                                                 "classify.ner": False})
    return Engine(settings.classify)


@pytest.fixture
def rec_file(tmp_path: Path) -> Path:
    p = tmp_path / "recognizers.yaml"
    p.write_text(RECOGNIZERS)
    return p


def test_file_loads_as_classifiers_with_stable_ids(rec_file: Path) -> None:
    recs = load_classifiers(rec_file)
    assert [r.id for r in recs] == ["CUSTOM-EMPLOYEE-ID", "CUSTOM-TITLES-RECOGNIZER"]
    assert recs[0].entities == {"EMPLOYEE_ID": "user.unique_id"}
    assert recs[1].entities == {"TITLE": "user"}  # the default category
    assert [r.id for r in load_classifiers(rec_file)] == [r.id for r in recs]  # stable


@pytest.mark.parametrize(("text", "entity", "found"), [
    ("staff badge E-1043 at the gate", "EMPLOYEE_ID", True),
    ("badge E-1043 at the gate", "EMPLOYEE_ID", False),  # 0.3 without context: under 0.4
    ("employee E-1043 joined", "EMPLOYEE_ID", True),
    ("employee model TE-10435 part", "EMPLOYEE_ID", False),  # word boundaries hold
    ("employee E-104 is too short", "EMPLOYEE_ID", False),
    ("Letter to Dr. Jones", "TITLE", True),
    ("letter to mrs. jones", "TITLE", True),  # Presidio matches case-insensitively
    ("Drive to the park", "TITLE", False),  # "Dr" inside a word is no title
    ("postcode 10115 Berlin", "ZIP", False),  # a German-only recognizer is not loaded
    ("nope nope", "NOPE", False),  # disabled
])
def test_custom_patterns_in_the_engine(rec_file: Path, text: str, entity: str,
                                       found: bool) -> None:
    eng = engine_for(rec_file)
    ds = eng.analyze([TextUnit(Location("mem://t"), text, "prose")])[0]
    assert (entity in {d.entity for d in ds}) is found, [d.entity for d in ds]


def test_context_raises_the_score_over_min_score(rec_file: Path) -> None:
    eng = engine_for(rec_file)
    plain = eng.analyze([TextUnit(Location("mem://t"), "code E-1043 here", "prose")])[0]
    near = eng.analyze([TextUnit(Location("mem://t"), "staff member E-1043", "prose")])[0]
    assert not [d for d in plain if d.entity == "EMPLOYEE_ID"]  # 0.3 < min_score 0.4
    hit = next(d for d in near if d.entity == "EMPLOYEE_ID")
    assert hit.score == pytest.approx(0.65) and hit.detector == "CUSTOM-EMPLOYEE-ID"
    assert eng.category("EMPLOYEE_ID") == "user.unique_id"


def test_presidio_shipped_example_file_loads() -> None:
    import presidio_analyzer

    example = Path(presidio_analyzer.__file__).parent / "conf" / "example_recognizers.yaml"
    if not example.exists():
        pytest.skip("presidio's example file is not installed")
    recs = load_classifiers(example)
    assert "CUSTOM-TITLES-RECOGNIZER" in [r.id for r in recs]


@pytest.mark.parametrize(("text", "line", "words"), [
    (("recognizers:\n  - name: x\n    supported_entity: X1\n    patterns:\n"
     "      - name: p\n        regex: \"(a\"\n        score: 0.5\n"), 6, "does not compile"),
    (("recognizers:\n  - name: x\n    supported_entity: X1\n    patterns:\n"
     "      - name: p\n        regex: \"ab\"\n        score: 7\n"), 7, "score"),
    ("recognizers:\n  - name: x\n    supported_entity: lower\n    deny_list: [a]\n", 3,
     "upper-case"),
    (("recognizers:\n  - name: x\n    supported_entity: X1\n    colour: red\n"
     "    deny_list: [a]\n"), 4, "unknown key"),
    ("recognizers:\n  - name: x\n    supported_entity: X1\n", 2, "neither"),
    ("recognizers:\n  - name: x\n   bad: [\n", 3, "not valid YAML"),
    ("recognisers: []\n", 1, "no `recognizers:`"),
    (("recognizers:\n  - name: a b\n    supported_entity: X1\n    deny_list: [q]\n"
     "  - name: a-b\n    supported_entity: X2\n    deny_list: [r]\n"), 5, "already used"),
    (("recognizers:\n  - name: x\n    supported_entity: X1\n    patterns:\n"
     "      - name: p\n        regex: \"a*\"\n        score: 0.5\n"), 6, "empty string"),
])
def test_a_bad_file_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(RecognizerFileError) as err:
        parse(text, "rec.yaml")
    assert f"rec.yaml:{line}:" in str(err.value)
    assert words in str(err.value)


def test_scan_finds_the_custom_pattern_and_a_bad_file_is_a_usage_error(
        tmp_path: Path, rec_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    data = tmp_path / "d"
    data.mkdir()
    (data / "badges.txt").write_text("staff badge E-2231 issued to the new employee\n")
    res = CliRunner().invoke(main, ["scan", str(data), "--no-ner", "--workers", "1",
                                    "--no-inventory", "--format", "json", "--recognizers",
                                    str(rec_file)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    hits = [f for f in doc["findings"] if f["entity"] == "EMPLOYEE_ID"]
    assert len(hits) == 1 and hits[0]["detector"] == "CUSTOM-EMPLOYEE-ID"
    assert hits[0]["category"] == "user.unique_id"
    assert "E-2231" not in res.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("recognizers:\n  - name: x\n    supported_entity: X1\n    patterns:\n"
                   "      - {name: p, regex: \"(a\", score: 0.5}\n")
    res = CliRunner().invoke(main, ["scan", str(data), "--no-inventory", "--recognizers",
                                    str(bad)])
    assert res.exit_code == 2
    assert f"{bad}:5" in res.output and "Traceback" not in res.output


def test_config_key_loads_them_too(tmp_path: Path, rec_file: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"classify:\n  recognizers: {rec_file}\n")
    data = tmp_path / "d"
    data.mkdir()
    (data / "a.txt").write_text("Dear Dr. Who\n")
    res = CliRunner().invoke(main, ["scan", str(data), "-c", str(cfg), "--no-ner", "--workers",
                                    "1", "--no-inventory", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "TITLE" in {f["entity"] for f in json.loads(res.stdout)["findings"]}


def test_a_bad_file_starts_no_inventory_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    from scanner.inventory import Inventory

    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    (tmp_path / "a.txt").write_text("hello\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("recognizers: 3\n")
    db = tmp_path / "inv.sqlite"
    res = CliRunner().invoke(main, ["scan", str(tmp_path / "a.txt"), "--format", "jsonl",
                                    "--db", f"sqlite:///{db}", "--recognizers", str(bad)])
    assert res.exit_code == 2 and f"{bad}:1" in res.output
    if db.exists():
        with Inventory.open(f"sqlite:///{db}", tmp_path) as inv:
            assert inv.runs() == []
