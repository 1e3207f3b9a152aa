"""SMB connector: credentials never shown, walk rules, limits, loops, reconnects; a real Samba."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from connectors.base import connector_for
from connectors.extract.walk import extract_all
from connectors.smb import SmbConnector, public_uri
from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Settings
from tests.helpers.servers import require_server


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("smb://alice@fs.example.com/share/dir", "smb://fs.example.com/share/dir"),
        ("smb://alice:s3cret@fs.example.com:4450/share/", "smb://fs.example.com:4450/share"),
        ("smb://fs.example.com/share/a%20b?x=1#frag", "smb://fs.example.com/share/a%20b"),
        ("smb://127.0.0.1/share", "smb://127.0.0.1/share"),
    ],
)
def test_public_uri_strips_credentials(target: str, expected: str) -> None:
    assert public_uri(target) == expected


def test_target_needs_host_and_share() -> None:
    with pytest.raises(ValueError, match="share"):
        SmbConnector("smb://host/", Settings())
    assert isinstance(connector_for("smb://u@host/share", Settings()), SmbConnector)


def test_unreachable_server_is_one_recorded_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIISCOUT_SMB_USER", "nobody")
    monkeypatch.setenv("PIISCOUT_SMB_PASSWORD", "pw-never-shown")
    out = list(SmbConnector("smb://bob@127.0.0.1:1/share", Settings()).walk())
    assert len(out) == 1 and isinstance(out[0], ScanError)
    assert out[0].location == "smb://127.0.0.1:1/share"
    assert "pw-never-shown" not in out[0].message and "bob" not in out[0].location


MBOX = (
    b"From - Mon Jan  1 00:00:00 2024\n"
    b"From: Jane Roe <jane.roe@example.org>\nTo: hr@example.com\nSubject: sick note\n\n"
    b"Dear HR, I am ill.\n\n"
    b"From - Mon Jan  1 00:00:01 2024\n"
    b"From: Bob <bob@example.com>\nSubject: re\n\nGet well\n"
)


@pytest.fixture()
def smb_tree(monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, str]:
    url = require_server("PIISCOUT_TEST_SMB_URL")
    user = require_server("PIISCOUT_TEST_SMB_USER")
    password = require_server("PIISCOUT_TEST_SMB_PASSWORD")
    share_dir = Path(require_server("PIISCOUT_TEST_SMB_DIR"))
    monkeypatch.setenv("PIISCOUT_SMB_USER", user)
    monkeypatch.setenv("PIISCOUT_SMB_PASSWORD", password)
    root = share_dir / f"t-{uuid.uuid4().hex[:8]}"
    (root / "docs" / "deep").mkdir(parents=True)
    (root / "mail").mkdir()
    (root / "skip").mkdir()
    (root / "docs" / "note.txt").write_text("Contact ann.lee@example.com\n")
    (root / "docs" / "deep" / "people.csv").write_text("name,email\nJohn Doe,john@example.com\n")
    (root / "docs" / "big.bin").write_bytes(b"x" * 5000)
    (root / "mail" / "archive.mbox").write_bytes(MBOX)
    (root / "skip" / "secret.txt").write_text("excluded@example.com\n")
    os.symlink("..", root / "docs" / "deep" / "loop")
    return f"{url}/{root.name}", root, password


def _with_user(url: str) -> str:
    """The target as a user would type it, with the user name in it."""
    return url.replace("smb://", "smb://" + os.environ["PIISCOUT_SMB_USER"] + "@")


@pytest.mark.server
def test_walk_share_rules_limits_and_loops(smb_tree: tuple[str, Path, str]) -> None:
    url, _root, password = smb_tree
    settings = Settings().with_overrides(
        **{"limits.max_item_bytes": 4000, "walk.exclude": ("skip/**",)}
    )
    conn = connector_for(_with_user(url), settings)
    try:
        walked = list(conn.walk())
    finally:
        conn.close()
    items = [w for w in walked if isinstance(w, Item)]
    errors = [w for w in walked if isinstance(w, ScanError)]
    assert [i.uri for i in items] == [
        f"{url}/docs/note.txt",
        f"{url}/docs/deep/people.csv",
        f"{url}/mail/archive.mbox",
    ]
    assert [(e.location, e.kind) for e in errors] == [(f"{url}/docs/big.bin", "too_large")]
    assert all(i.source_kind == "smb" and "@" not in i.uri for i in items)
    assert all(password not in repr(w) for w in walked)


@pytest.mark.server
def test_share_end_to_end_with_mail_archive(smb_tree: tuple[str, Path, str]) -> None:
    url, _root, _password = smb_tree
    settings = Settings()
    conn = connector_for(url, settings)
    units: list[TextUnit] = []
    try:
        for w in conn.walk():
            if isinstance(w, Item):
                units += [u for u in extract_all(w, settings) if isinstance(u, TextUnit)]
    finally:
        conn.close()
    by_uri = {(u.location.uri, u.location.field): u for u in units}
    jane = by_uri[(f"{url}/mail/archive.mbox#msg=1", "From")]
    assert jane.text == "Jane Roe <jane.roe@example.org>"
    assert (jane.location.line, jane.record, jane.source_kind) == (2, "msg:1", "smb")
    assert by_uri[(f"{url}/mail/archive.mbox#msg=2", "From")].location.line == 9
    assert "ann.lee@example.com" in by_uri[(f"{url}/docs/note.txt", None)].text


@pytest.mark.server
def test_dropped_connection_is_reconnected(smb_tree: tuple[str, Path, str]) -> None:
    url, _root, _password = smb_tree
    conn = SmbConnector(url, Settings())
    try:
        items = [w for w in conn.walk() if isinstance(w, Item)]
        for connection in list(conn._cache.values()):  # the server "goes away"
            connection.disconnect(close=True)
        note = next(i for i in items if i.name == "note.txt")
        with note.open() as fh:
            assert fh.read() == b"Contact ann.lee@example.com\n"
    finally:
        conn.close()


@pytest.mark.server
def test_scan_pipeline_over_the_share(smb_tree: tuple[str, Path, str]) -> None:
    from scanner.pipeline import scan

    url, _root, password = smb_tree
    settings = Settings().with_overrides(
        **{"classify.ner": False, "inventory.enabled": False, "workers": 1}
    )
    result = scan([_with_user(url)], settings)
    emails = {(f.location.uri, f.location.field) for f in result.findings
              if f.entity == "EMAIL_ADDRESS"}  # fmt: skip
    assert (f"{url}/mail/archive.mbox#msg=1", "From") in emails
    assert (f"{url}/docs/note.txt", None) in emails
    dumped = repr(result.to_dict())
    assert password not in dumped and os.environ["PIISCOUT_SMB_USER"] + "@" not in dumped
