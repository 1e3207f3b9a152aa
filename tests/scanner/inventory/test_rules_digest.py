"""An upgrade that changes what a scan finds reads every item again: the incremental fingerprint
holds a digest of the detection code and the shipped tables (scanner/inventory/versions.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.inventory import versions
from scanner.settings import load_settings


def _tree(root: Path) -> list[tuple[str, Path]]:
    (root / "classifiers").mkdir(parents=True)
    (root / "classifiers" / "phones.py").write_text("RULE = 1\n")
    (root / "config").mkdir()
    (root / "config" / "taxonomy.yaml").write_text("entities: {}\n")
    (root / "scanner" / "web").mkdir(parents=True)
    (root / "scanner" / "web" / "app.py").write_text("PAGE = 1\n")
    (root / "scanner" / "redact.py").write_text("MASK = 1\n")
    return [(name, root / name) for name in ("classifiers", "config", "scanner")]


@pytest.mark.parametrize(("path", "content", "changes"), [
    ("classifiers/phones.py", "RULE = 2\n", True),  # detection code
    ("config/taxonomy.yaml", "entities: {X: {}}\n", True),  # a shipped table
    ("scanner/redact.py", "MASK = 2\n", True),  # the scanner's shared vocabulary
    ("classifiers/new_rules.py", "NEW = 1\n", True),  # a file added
    ("scanner/web/app.py", "PAGE = 2\n", False),  # the web app changes no finding
    ("classifiers/__pycache__/phones.cpython-311.pyc", "bytes", False),
    ("classifiers/notes.md", "prose", False),
])
def test_what_the_digest_covers(tmp_path: Path, path: str, content: str, changes: bool) -> None:
    roots = _tree(tmp_path)
    before = versions.digest_of(roots)
    assert versions.digest_of(roots) == before  # stable
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)
    assert (versions.digest_of(roots) != before) is changes


def test_the_fingerprint_changes_with_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    now = versions.settings_fingerprint(settings, [])
    assert versions.settings_fingerprint(settings, []) == now
    monkeypatch.setattr(versions, "rules_digest", lambda: "another installation's rules")
    assert versions.settings_fingerprint(settings, []) != now


def test_the_installed_rules_are_found() -> None:
    # the real packages: classifiers, connectors, scanner, config all have files to hash
    assert versions.rules_digest() != versions.digest_of([])


@pytest.mark.parametrize("key", ["recognizers", "allow_list"])
def test_editing_a_file_a_setting_names_changes_the_fingerprint(tmp_path: Path, key: str) -> None:
    named = tmp_path / "file.yaml"
    named.write_text("one\n")
    settings = load_settings().with_overrides(**{f"classify.{key}": str(named)})
    before = versions.settings_fingerprint(settings, [])
    assert versions.settings_fingerprint(settings, []) == before
    named.write_text("two\n")
    assert versions.settings_fingerprint(settings, []) != before
    named.unlink()
    assert versions.settings_fingerprint(settings, []) not in (before,)
