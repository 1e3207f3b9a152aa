"""Profiles: named scans in a config file, run with ``piiscout scan --profile NAME``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from scanner.cli import main
from scanner.exitcodes import FINDINGS, OK, USAGE
from scanner.settings import ConfigFileError, load_settings, user_config_file
from tests.helpers.paths import EXAMPLES

TEXT = "Card 4111 1111 1111 1111 for jane.roe@example.org.\n"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["scan", *args], env=env)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"traceback: {res.exception!r}")
    return res.exit_code, res.stderr


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    (root / "keep").mkdir(parents=True)
    (root / "keep" / "a.txt").write_text(TEXT)
    (root / "skip.log").write_text("jane.roe@example.org logged in\n")
    return root


def write_config(path: Path, profiles: dict[str, object], **top: object) -> Path:
    path.write_text(yaml.safe_dump({"profiles": profiles, **top}))
    return path


def test_a_profile_is_a_whole_job(tmp_path: Path, tree: Path) -> None:
    report = tmp_path / "out" / "nightly.sarif"
    report.parent.mkdir()
    cfg = write_config(tmp_path / "piiscout.yaml", {"nightly": {
        "targets": [str(tree)],
        "options": {"no-ner": True, "workers": 1, "no_progress": True, "exclude": ["*.log"],
                    "db": f"sqlite:///{tmp_path / 'inv.db'}"},
        "policies": ["gdpr"],
        "report": {"path": str(report), "format": "sarif"},
        "fail_on": "high",
    }})
    code, err = run("--config", str(cfg), "--profile", "nightly")
    assert code == FINDINGS and "CREDIT_CARD (high)" in err  # fail_on from the profile
    doc = json.loads(report.read_text())  # report path and format from the profile
    assert doc["version"] == "2.1.0"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"]}
    assert uris and all(u.endswith("keep/a.txt") for u in uris)  # exclude from the profile
    clauses = {c for r in doc["runs"][0]["results"] for c in r["properties"]["clauses"]}
    assert clauses and all(c.startswith("gdpr/") for c in clauses)  # policies from the profile
    assert (tmp_path / "inv.db").exists()  # db from the profile


def test_command_line_overrides_the_profile(tmp_path: Path, tree: Path) -> None:
    cfg = write_config(tmp_path / "c.yaml", {"p": {
        "targets": [str(tree)], "options": {"no-ner": True, "workers": 1, "no-inventory": True},
        "report": {"path": str(tmp_path / "never.sarif"), "format": "sarif"}, "fail_on": "low",
    }})
    out = tmp_path / "r.json"
    other = tmp_path / "other.txt"
    other.write_text("nothing here\n")
    code, err = run("--config", str(cfg), "--profile", "p", str(other), "--format", "json",
                    "-o", str(out), "--fail-on", "high", "--no-progress")
    assert code == OK, err
    doc = json.loads(out.read_text())
    assert doc["scan"]["targets"] == [str(other)] and doc["findings"] == []
    assert not (tmp_path / "never.sarif").exists()


def test_default_config_location(tmp_path: Path, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    path = user_config_file()
    assert path == tmp_path / "xdg" / "piiscout" / "config.yaml"
    path.parent.mkdir(parents=True)
    out = tmp_path / "r.jsonl"
    write_config(path, {"home": {"targets": [str(tree / "keep")],
                                 "options": {"no-ner": True, "workers": 1, "no-inventory": True},
                                 "report": {"path": str(out)}}})
    code, err = run("--profile", "home", "--no-progress")
    assert code == OK, err
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[-1]["type"] == "scan" and lines[-1]["items"]["scanned"] == 1
    assert any(x["type"] == "finding" and x["entity"] == "EMAIL_ADDRESS" for x in lines)


def test_unknown_profile_and_keys(tmp_path: Path, tree: Path) -> None:
    cfg = write_config(tmp_path / "c.yaml", {"a": {"targets": [str(tree)]}})
    code, err = run("--config", str(cfg), "--profile", "b")
    assert code == USAGE and "no profile 'b'" in err and "profiles there: a" in err
    bad = write_config(tmp_path / "bad.yaml", {"a": {"targets": [str(tree)],
                                                     "options": {"no-nre": True}}})
    code, err = run("--config", str(bad), "--profile", "a")
    assert code == USAGE
    assert err.strip() == f"Error: unknown key 'profiles.a.options.no_nre' in {bad}"
    fmt = write_config(tmp_path / "fmt.yaml", {"a": {"targets": [str(tree)],
                                                     "report": {"format": "xml"}}})
    code, err = run("--config", str(fmt), "--profile", "a")
    assert code == USAGE and "unknown report format 'xml'" in err


@pytest.mark.parametrize(
    ("profile", "key"),
    [
        ({"targets": "/srv"}, "profiles.p.targets"),
        ({"fail_on": "critical"}, "profiles.p.fail_on"),
        ({"options": {"workers": -1}}, "profiles.p.options.workers"),
        ({"report": {"file": "x"}}, "profiles.p.report.file"),
    ],
)
def test_invalid_profiles_name_the_key(tmp_path: Path, profile: dict[str, object],
                                       key: str) -> None:
    cfg = write_config(tmp_path / "c.yaml", {"p": profile})
    with pytest.raises(ConfigFileError) as info:
        load_settings(cfg)
    assert f"'{key}'" in str(info.value) and str(cfg) in str(info.value)
    assert "\n" not in str(info.value) and "pydantic" not in str(info.value)


def test_profiles_parse_into_settings(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.yaml", {"n": {"targets": ["/a", "s3://b/c"],
                                                   "options": {"min-score": 0.7}}},
                       limits={"max_depth": 3})
    s = load_settings(cfg)
    assert s.limits.max_depth == 3 and s.profiles["n"].targets == ("/a", "s3://b/c")
    assert s.profiles["n"].options.min_score == 0.7 and s.profiles["n"].fail_on is None
    assert load_settings().profiles == {}


def test_the_example_units_name_a_profile() -> None:
    root = EXAMPLES
    service = (root / "piiscout-nightly.service").read_text()
    timer = (root / "piiscout-nightly.timer").read_text()
    assert "--profile nightly" in service and "Type=oneshot" in service
    assert "OnCalendar=" in timer and "piiscout-nightly.service" in timer


def test_a_profile_target_that_is_gone_exits_3(tmp_path: Path, tree: Path) -> None:
    """A share that is not mounted tonight: the other targets are scanned, the exit is 3."""
    from scanner.exitcodes import INCOMPLETE

    out = tmp_path / "r.json"
    cfg = write_config(tmp_path / "c.yaml", {"p": {
        "targets": [str(tree), str(tmp_path / "not-mounted")],
        "options": {"no-ner": True, "workers": 1, "no-inventory": True, "no-progress": True},
        "report": {"path": str(out), "format": "json"},
    }})
    code, err = run("--config", str(cfg), "--profile", "p")
    assert code == INCOMPLETE and "not-mounted" in err
    assert json.loads(out.read_text())["findings"]
