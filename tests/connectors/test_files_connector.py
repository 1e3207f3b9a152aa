"""The filesystem connector: walk rules, links, special files, size limits, order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.base import accepts, connector_for
from connectors.files import FileConnector
from scanner.models import Item, ScanError
from scanner.settings import Settings, WalkRules


def _walk(root: Path, **overrides: object) -> list[object]:
    settings = Settings().with_overrides(**overrides)
    return list(FileConnector(str(root), settings).walk())


def _names(walked: list[object], root: Path) -> list[str]:
    return [Path(w.uri.removeprefix("file://")).relative_to(root.resolve()).as_posix()
            for w in walked if isinstance(w, Item)]


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b" / "c.csv").write_text("c")
    (tmp_path / "b" / "d.log").write_text("d")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    return tmp_path


def test_walk_is_sorted_and_complete(tree: Path) -> None:
    # Files of a folder first, then its subfolders, each in name order.
    assert _names(_walk(tree), tree) == ["a.txt", ".git/config", "b/c.csv", "b/d.log"]


def test_include_and_exclude_globs(tree: Path) -> None:
    assert _names(_walk(tree, **{"walk.include": ("*.csv",)}), tree) == ["b/c.csv"]
    assert _names(_walk(tree, **{"walk.exclude": (".git/**", "*.log")}), tree) == [
        "a.txt", "b/c.csv"]


@pytest.mark.parametrize(
    ("path", "rules", "expected"),
    [
        ("a/b/c.csv", WalkRules(include=("*.csv",)), True),
        ("a/b/c.txt", WalkRules(include=("*.csv",)), False),
        ("a/b/c.csv", WalkRules(exclude=("a/**",)), False),
        ("node_modules/x.js", WalkRules(exclude=("**/node_modules/**",)), False),
        ("src/x.js", WalkRules(exclude=("**/node_modules/**",)), True),
        ("x.csv", WalkRules(include=("**/*.csv",)), True),
    ],
)
def test_accepts_table(path: str, rules: WalkRules, expected: bool) -> None:
    assert accepts(path, rules) is expected


def test_symlink_loop_is_not_followed_forever(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("x")
    os.symlink(tmp_path, tmp_path / "d" / "loop")
    assert _names(_walk(tmp_path), tmp_path) == ["d/f.txt"]
    followed = _walk(tmp_path, **{"walk.follow_symlinks": True})
    # The loop is entered at most once: every real file is reported, and the walk ends.
    assert "d/f.txt" in _names(followed, tmp_path)
    assert len(followed) < 10


def test_fifo_is_skipped_and_recorded(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "ok.txt").write_text("fine")
    walked = _walk(tmp_path)
    errors = [w for w in walked if isinstance(w, ScanError)]
    assert _names(walked, tmp_path) == ["ok.txt"]
    assert [e.kind for e in errors] == ["skipped"]
    assert errors[0].location.endswith("/pipe")


def test_size_limit_records_the_skip(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * 2048)
    (tmp_path / "small.txt").write_bytes(b"x" * 10)
    walked = _walk(tmp_path, **{"limits.max_item_bytes": 1024})
    assert _names(walked, tmp_path) == ["small.txt"]
    (err,) = [w for w in walked if isinstance(w, ScanError)]
    assert err.kind == "too_large" and "2048" in err.message


def test_single_file_target_and_missing_target(tmp_path: Path) -> None:
    f = tmp_path / "one.txt"
    f.write_text("hello")
    (item,) = _walk(f)
    assert isinstance(item, Item) and item.uri == f.resolve().as_uri()
    with item.open() as fh:
        assert fh.read() == b"hello"
    (err,) = _walk(tmp_path / "missing")
    assert isinstance(err, ScanError) and err.kind == "unreadable"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_is_recorded(tmp_path: Path) -> None:
    f = tmp_path / "secret.txt"
    f.write_text("x")
    f.chmod(0)
    (err,) = _walk(tmp_path)
    assert isinstance(err, ScanError) and err.kind == "unreadable"


def test_connector_for_dispatches_by_scheme(tmp_path: Path) -> None:
    assert isinstance(connector_for(str(tmp_path), Settings()), FileConnector)
    assert isinstance(connector_for(tmp_path.as_uri(), Settings()), FileConnector)
    with pytest.raises(ValueError, match="no connector"):
        connector_for("gopher://example.org/x", Settings())
