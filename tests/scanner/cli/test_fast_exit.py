"""The ``piiscout`` console script (:func:`scanner.cli.run`) ends the process without the
interpreter's teardown. Its fast path is checked against the slow one, :func:`scanner.cli.main`
left to the normal exit: the same exit code, the same output on stdout and stderr, the same
report file and the same inventory, for a completed scan, a scan whose ``--fail-on`` is met and
a usage error; what is registered to run at exit still runs; a live non-daemon thread is waited
for."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.exitcodes import FINDINGS, OK, USAGE

PIISCOUT = str(Path(sys.executable).with_name("piiscout"))
SLOW = "import sys; from scanner.cli import main; sys.argv[0] = 'piiscout'; main()"
FAST = "import sys; from scanner.cli import run; sys.argv[0] = 'piiscout'; run()"

TEXT = ("Card 4111 1111 1111 1111 for jane.roe@example.org, IBAN GB82 WEST 1234 5698 7654 32.\n"
        * 40)


def _run(code: str, args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIISCOUT_HOME": str(home), "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300, stdin=subprocess.DEVNULL, check=False)


def _inventory_rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("SELECT field, entity, value_hash, preview, count, line, status"
                                   " FROM findings").fetchall())
    finally:
        conn.close()


@pytest.fixture()
def target(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(TEXT)
    (src / "b.csv").write_text("name,email\nJane Roe,jane.roe@example.org\n")
    return src


CASES = [
    pytest.param(["--format", "json"], OK, id="completed, json on stdout"),
    pytest.param(["--format", "jsonl", "--fail-on", "high"], FINDINGS, id="fail-on met"),
    pytest.param(["--format", "sarif", "--output", "{out}/report.sarif"], OK, id="sarif file"),
    pytest.param(["--no-such-flag"], USAGE, id="usage error"),
]


@pytest.mark.parametrize(("extra", "expected"), CASES)
def test_fast_exit_matches_the_normal_exit(tmp_path: Path, target: Path, extra: list[str],
                                           expected: int) -> None:
    seen = {}
    home = tmp_path / "home"  # one home: one key, the same value hashes in both runs
    for name, code in (("slow", SLOW), ("fast", FAST)):
        out = tmp_path / name
        out.mkdir()
        args = ["scan", str(target), "--no-ner", "--workers", "1", "--no-progress",
                "--db", f"sqlite:///{out}/inventory.sqlite", *(a.format(out=out) for a in extra)]
        res = _run(code, args, home, tmp_path)
        report = out / "report.sarif"
        seen[name] = (res.returncode, res.stdout, res.stderr,
                      report.read_text() if report.exists() else None)
        assert res.returncode == expected, res.stderr
        if expected != USAGE:
            seen[name] += (_inventory_rows(out / "inventory.sqlite"),)
    slow, fast = seen["slow"], seen["fast"]
    assert fast[0] == slow[0]
    if "json" in extra:  # the run's id and times differ between two runs, not the findings
        assert json.loads(fast[1])["findings"] == json.loads(slow[1])["findings"]
        assert json.loads(fast[1])["findings"]
    elif "jsonl" in extra:  # every finding line, then the scan's summary line in both
        lines = [[json.loads(line) for line in res[1].splitlines()] for res in (fast, slow)]
        assert [x["type"] for x in lines[0]] == [x["type"] for x in lines[1]]
        assert lines[0][-1]["type"] == "scan"
        assert [x for x in lines[0] if x["type"] == "finding"] == \
            [x for x in lines[1] if x["type"] == "finding"] != []
    if fast[3] is not None or slow[3] is not None:
        assert fast[3] is not None and slow[3] is not None
        assert (json.loads(fast[3])["runs"][0]["results"]
                == json.loads(slow[3])["runs"][0]["results"] != [])
    if expected == USAGE:
        assert fast[2] == slow[2] and "no-such-flag" in fast[2]
    else:
        assert fast[4] == slow[4] != []


def test_the_installed_script_is_the_fast_exit() -> None:
    script = Path(PIISCOUT).read_text()
    assert "from scanner.cli import run" in script


def test_exit_handlers_run_and_a_live_thread_is_waited_for(tmp_path: Path) -> None:
    marker, late = tmp_path / "atexit", tmp_path / "thread"
    code = (
        "import atexit, sys, threading, time\n"
        "from scanner.cli import run\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
        "if sys.argv[1:2] == ['thread']:\n"
        f"    threading.Thread(target=lambda: (time.sleep(0.5), open({str(late)!r}, 'w')"
        ".write('done'))).start()\n"
        "sys.argv = ['piiscout', '--version']\n"
        "run()\n")
    for arg in ("plain", "thread"):
        res = subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True,
                             timeout=120, check=False)
        assert res.returncode == 0, res.stderr
        assert "version" in res.stdout
        assert marker.read_text() == "ran"
        marker.unlink()
    assert late.read_text() == "done"


def test_a_closed_stdout_is_an_error_exit(tmp_path: Path) -> None:
    """``piiscout ... | head``: the final flush fails; the exit code says so, as Python's does."""
    code = ("import sys, os\nfrom scanner.cli import run\n"
            "sys.argv = ['piiscout', '--help']\n"
            "r, w = os.pipe(); os.close(r); os.dup2(w, 1)\n"
            "run()\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode != 0
