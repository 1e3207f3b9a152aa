"""Exit codes of ``piiscout scan`` through the CLI: 0 completed, 1 --fail-on met by an open or
confirmed finding, 2 usage/configuration error (one line, no traceback), 3 a target could not be
read at all or the scan was interrupted. Server targets are real servers on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.exitcodes import FINDINGS, INCOMPLETE, OK, USAGE
from tests.helpers.paths import ROOT
from tests.helpers.servers import require_server

HIGH_TEXT = "Card 4111 1111 1111 1111 for jane.roe@example.org, IBAN GB82 WEST 1234 5698 7654 32.\n"
CLEAN_TEXT = "Nothing personal here, only the weather.\n"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, ["scan", "--workers", "1", "--no-progress", "--no-ner", *args],
                             env=env, catch_exceptions=True)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"traceback instead of a message: {res.exception!r}\n{res.output}")
    return res.exit_code, res.stdout, res.stderr


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and "pydantic" not in text.lower() and "http" not in text


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.txt").write_text(HIGH_TEXT)
    (root / "b.txt").write_text(CLEAN_TEXT)
    return root


# -- 0 and 1 -----------------------------------------------------------------------------------
def test_completed_scan_exits_0_and_per_item_errors_stay_0(tmp_path: Path, tree: Path) -> None:
    (tree / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip at all" * 10)
    out = tmp_path / "r.json"
    code, _, err = run(str(tree), "--no-inventory", "-o", str(out))
    assert code == OK, err
    doc = json.loads(out.read_text())
    assert any(e["location"].endswith("broken.zip") for e in doc["errors"])


def test_fail_on_exits_1_and_says_which(tmp_path: Path, tree: Path) -> None:
    code, _, err = run(str(tree), "--no-inventory", "--fail-on", "high", "-o",
                       str(tmp_path / "r.json"))
    assert code == FINDINGS
    assert "CREDIT_CARD (high) in 1 location" in err and "IBAN_CODE (high)" in err
    assert "EMAIL_ADDRESS" not in err  # medium: below the threshold
    assert "4111" not in err
    code, _, err = run(str(tree / "b.txt"), "--no-inventory", "--fail-on", "low", "-o",
                       str(tmp_path / "r2.json"))
    assert code == OK, err


def test_only_open_or_confirmed_findings_fail(tmp_path: Path, tree: Path) -> None:
    from scanner.inventory import Inventory

    db = f"sqlite:///{tmp_path / 'inv.db'}"
    args = [str(tree), "--db", db, "--fail-on", "high", "--full", "-o", str(tmp_path / "r.json")]
    assert run(*args)[0] == FINDINGS
    with Inventory.open(db, tmp_path) as inv:
        high = [f for f in inv.findings() if f.severity == "high"]
        assert {f.entity for f in high} == {"CREDIT_CARD", "IBAN_CODE"}
        inv.review(high[0].id, "accepted", reviewer="dpo", note="known")
        inv.review(high[1].id, "false-positive", reviewer="dpo", note="test data")
    code, _, err = run(*args)
    assert code == OK, err  # accepted and false-positive do not count
    with Inventory.open(db, tmp_path) as inv:
        inv.review(high[0].id, "confirmed", reviewer="dpo", note="real after all")
    code, _, err = run(*args)
    assert code == FINDINGS and f"{high[0].entity} (high) in 1 location" in err
    assert high[1].entity not in err
    # the incremental rescan (nothing read again) decides the same way
    code, _, err = run(*args[:-3], "-o", str(tmp_path / "r.json"))
    assert code == FINDINGS and f"{high[0].entity} (high)" in err


# -- 2 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("limits: {max_depth: 3\nwalk: [", "YAML syntax error in"),
        ("targets: [/srv]\n", "unknown key 'targets' in"),
        ("fail_on: high\n", "unknown key 'fail_on' in"),
        ("limits:\n  max_detph: 3\n", "unknown key 'limits.max_detph' in"),
        ("profiles:\n  nightly:\n    optons: {}\n", "unknown key 'profiles.nightly.optons' in"),
        ("limits:\n  max_depth: deep\n", "invalid value for 'limits.max_depth' in"),
        ("- just\n- a list\n", "must be a mapping"),
    ],
)
def test_bad_config_exits_2_with_one_line(tmp_path: Path, tree: Path, config: str,
                                          expected: str) -> None:
    path = tmp_path / "piiscout.yaml"
    path.write_text(config)
    code, out, err = run(str(tree), "--no-inventory", "--config", str(path))
    assert code == USAGE
    assert expected in err and str(path) in err
    assert len(err.strip().splitlines()) == 1, err
    no_traceback(err + out)


def test_usage_errors_exit_2_without_traceback(tmp_path: Path, tree: Path) -> None:
    cases = [
        (["-o", str(tmp_path / "missing" / "r.json"), "--no-inventory"], "does not exist"),
        (["--db", "postgresql+psycopg://u@127.0.0.1:notaport/db"], "inventory"),
        (["--policy", "no-such-pack"], "no-such-pack"),
        (["--profile", "nightly", "--no-inventory"], "no profile 'nightly'"),
    ]
    for extra, expected in cases:
        code, out, err = run(str(tree), *extra)
        assert code == USAGE, (extra, err)
        assert expected in err, (extra, err)
        no_traceback(err + out)
    for target in ("foo://bar", "ftp://files.example.com/x"):
        code, out, err = run(target, "--no-inventory")
        assert code == USAGE and "no connector" in err, err
        no_traceback(err + out)


def test_piiscout_home_pointing_at_a_file_exits_2(tmp_path: Path, tree: Path) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a folder")
    code, out, err = run(str(tree), "-o", str(tmp_path / "r.json"),
                         env={"PIISCOUT_HOME": str(home)})
    assert code == USAGE and "is not a folder" in err and "PIISCOUT_HOME" in err
    no_traceback(err + out)


def test_no_target_is_a_usage_error() -> None:
    code, _, err = run("--no-inventory")
    assert code == USAGE and "TARGET" in err


# -- 3: a target that cannot be read at all -----------------------------------------------------
def _assert_unreadable(tmp_path: Path, target: str, shown: str, *more: str) -> None:
    out = tmp_path / "r.json"
    code, _, err = run(target, "--no-inventory", "--fail-on", "low", "-o", str(out), *more)
    assert code == INCOMPLETE, err
    assert "could not read target" in err and shown in err
    no_traceback(err)
    doc = json.loads(out.read_text())  # the report is still written, with the error listed
    assert doc["errors"] and doc["findings"] == []


def test_missing_sqlite_file_and_pst_exit_3(tmp_path: Path) -> None:
    _assert_unreadable(tmp_path, f"sqlite:///{tmp_path / 'nope.db'}", "nope.db")
    _assert_unreadable(tmp_path, f"pst://{tmp_path / 'jane.pst'}", "jane.pst")


def test_one_unreadable_target_among_good_ones_exits_3(tmp_path: Path, tree: Path) -> None:
    out = tmp_path / "r.json"
    code, _, err = run(str(tree), f"sqlite:///{tmp_path / 'nope.db'}", "--no-inventory",
                       "-o", str(out))
    assert code == INCOMPLETE and "nope.db" in err
    assert json.loads(out.read_text())["findings"]  # the readable target was still scanned


@pytest.mark.server
def test_s3_without_credentials_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = require_server("PIISCOUT_TEST_S3_ENDPOINT")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    _assert_unreadable(tmp_path, "s3://piiscout-nocreds/x", "NoCredentialsError",
                       "--endpoint-url", endpoint)


@pytest.mark.server
def test_smb_connection_refused_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_server("PIISCOUT_TEST_SMB_URL")  # a real Samba is up; this port is not it
    monkeypatch.setenv("PIISCOUT_SMB_USER", "nobody")
    monkeypatch.setenv("PIISCOUT_SMB_PASSWORD", "pw-never-shown")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _assert_unreadable(tmp_path, f"smb://127.0.0.1:{port}/share", f"smb://127.0.0.1:{port}/share")


@pytest.mark.server
def test_missing_database_on_a_real_server_exits_3(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(require_server("PIISCOUT_TEST_PG_URL")).set(database="piiscout_no_such_db")
    target = url.render_as_string(hide_password=False)
    out = tmp_path / "r.json"
    code, _, err = run(target, "--no-inventory", "--fail-on", "low", "-o", str(out))
    assert code == INCOMPLETE and "piiscout_no_such_db" in err, err
    assert url.password not in err and url.password not in out.read_text()


# -- 3: interrupted --------------------------------------------------------------------------
class SilentServer:
    """A TCP server that accepts and never answers: an SMB scan of it hangs in its connect."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.connected = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.conns.append(conn)
        self.connected.set()

    def close(self) -> None:
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_scan_exits_3(tmp_path: Path, sig: signal.Signals) -> None:
    server = SilentServer()
    env = {**os.environ, "PIISCOUT_HOME": str(tmp_path / "home"), "PIISCOUT_SMB_USER": "u",
           "PIISCOUT_SMB_PASSWORD": "p", "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    # SIGINT is ignored in background jobs; a terminal's Python has its default handler.
    code = ("import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from scanner.cli import main; main()")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "scan", f"smb://127.0.0.1:{server.port}/share",
         "--no-inventory", "--no-ner", "--workers", "1", "--no-progress",
         "-o", str(tmp_path / "r.jsonl")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.connected.wait(120), "the scan never reached the server"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.close()
    assert proc.returncode == INCOMPLETE, err
    assert ("Ctrl-C" if sig == signal.SIGINT else "SIGTERM") in err
    assert "Traceback" not in err


def test_help_documents_the_exit_codes() -> None:
    res = CliRunner().invoke(main, ["scan", "--help"])
    assert res.exit_code == 0
    for line in ("0  the scan completed", "1  --fail-on met", "2  usage or configuration",
                 "3  a target could not be read"):
        assert line in res.output


def test_zip_fixture_helper_is_real(tmp_path: Path) -> None:
    """The 'broken.zip' above is not a zip (a sanity check of the first test's premise)."""
    p = tmp_path / "x.zip"
    p.write_bytes(b"PK\x03\x04 this is not a zip at all" * 10)
    assert not zipfile.is_zipfile(p)
