"""The ad-hoc user's terminal: tables that fit (snapshots at 80 and 200 columns), plain rows for
pipes, a streaming table with bounded aggregates, escaping of hostile names, filters that explain
themselves, the progress pre-count and the summary paragraph."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import textsafe
from scanner.cli import main
from scanner.inventory import Inventory
from scanner.models import Finding, Location, ScanError, ScanInfo, ScanResult, Severity
from scanner.policy import load_packs
from scanner.redact import mask, value_hash
from scanner.reports.table import MAX_ROWS, TableStream, summary_paragraph, write
from scanner.settings import load_settings

SECRET = b"t" * 32
ROOT = "file:///srv/share/department/finance/2024/quarterly-reports"
EVIL_LINK = "[link=http://evil.example]click[/link].txt"


def finding(uri: str, field: str | None, entity: str, category: str, sev: str,
            value: str = "x@example.org") -> Finding:
    return Finding(Location(uri, 1, field), entity, category, 0.9, Severity(sev), "T", "e",
                   mask(entity, value), value_hash(SECRET, entity, value))


def sample_result() -> ScanResult:
    fs = [
        finding(f"{ROOT}/customers-export-final.csv", "email", "EMAIL_ADDRESS",
                "user.contact.email", "medium"),
        finding(f"{ROOT}/customers-export-final.csv", "email", "EMAIL_ADDRESS",
                "user.contact.email", "medium"),
        finding(f"{ROOT}/customers-export-final.csv", "card_number", "CREDIT_CARD",
                "user.financial.credit_card", "high", "4111 1111 1111 1111"),
        finding(f"{ROOT}/archive.zip!/[/oops].txt", None, "US_SSN",
                "user.government_id.national_identification_number", "high", "078-05-1120"),
        finding(f"{ROOT}/archive.zip!/{EVIL_LINK}", "\x1b[2Jname\x1b]8;;http://e\x07",
                "PHILOSOPHICAL_BELIEF", "user.demographic.philosophical_belief", "low",
                "humanist"),
    ]
    errors = (ScanError(f"{ROOT}/broken.pdf", "corrupt", "bad xref \x1b[31mred"),
              ScanError(f"{ROOT}/huge.bin", "too_large", "over the limit"),
              ScanError(f"{ROOT}/archive.zip!/skip.iso", "skipped", "not a regular file"))
    info = ScanInfo("id", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:03+00:00", ("x",),
                    4, 1, 1, allowed=2)
    return ScanResult(info, tuple(fs), errors)


def rendered(width: int | None, **kw: object) -> str:
    out = io.StringIO()
    write(sample_result(), out, width=width, **kw)  # type: ignore[arg-type]
    return out.getvalue()


# Snapshots of the rendered text (trailing spaces stripped); re-check by eye when changed.
SNAPSHOT_80 = """\
Personal data found under /srv/share/department/finance/2024/quarterly-reports/
location                         field              entity                 count
────────────────────────────────────────────────────────────────────────────────
archive.zip!/[/oops].txt                            US_SSN                     1
archive.zip!/[link=…/link].txt   \\x1b[2Jname\\x1b…   PHILOSOPHICAL_BELIEF       1
customers-export-final.csv       email              EMAIL_ADDRESS              2
                                 card_number        CREDIT_CARD                1
not shown at this width: category, severity (--wide shows them)

By entity
entity                 category                              severity   findings
────────────────────────────────────────────────────────────────────────────────
CREDIT_CARD            user.financial.credit_card            high              1
US_SSN                 user.government_id.                   high              1
                       national_identification_number
EMAIL_ADDRESS          user.contact.email                    medium            2
PHILOSOPHICAL_BELIEF   user.demographic.                     low               1
                       philosophical_belief
not shown at this width: locations (--wide shows them)

Locations that could not be read (the scan went on)
location                                          kind      message
────────────────────────────────────────────────────────────────────────────────
/srv/share/d…/2024/quarterly-reports/broken.pdf   corrupt   bad xref \\x1b[31mred

5 findings (high 2, medium 2, low 1) in 3 locations. Items: 4 scanned, 1
skipped, 1 failed. Recorded against their location: 2 skipped on purpose
(skipped: 1, too_large: 1), 1 not readable (corrupt: 1); --format json lists
each. 2 allow-listed values not reported. Took 3 s.
"""

SNAPSHOT_200 = """\
Personal data found under /srv/share/department/finance/2024/quarterly-reports/
location                                                  field                             entity                 category                                            severity   count
───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
archive.zip!/[/oops].txt                                                                    US_SSN                 user.government_id.national_identification_number   high           1
archive.zip!/[link=http://evil.example]click[/link].txt   \\x1b[2Jname\\x1b]8;;http://e\\x07   PHILOSOPHICAL_BELIEF   user.demographic.philosophical_belief               low            1
customers-export-final.csv                                email                             EMAIL_ADDRESS          user.contact.email                                  medium         2
                                                          card_number                       CREDIT_CARD            user.financial.credit_card                          high           1

By entity
entity                 category                                            severity   findings   locations
──────────────────────────────────────────────────────────────────────────────────────────────────────────
CREDIT_CARD            user.financial.credit_card                          high              1           1
US_SSN                 user.government_id.national_identification_number   high              1           1
EMAIL_ADDRESS          user.contact.email                                  medium            2           1
PHILOSOPHICAL_BELIEF   user.demographic.philosophical_belief               low               1           1

Locations that could not be read (the scan went on)
location                                                          kind      message
────────────────────────────────────────────────────────────────────────────────────────────────
/srv/share/department/finance/2024/quarterly-reports/broken.pdf   corrupt   bad xref \\x1b[31mred

5 findings (high 2, medium 2, low 1) in 3 locations. Items: 4 scanned, 1 skipped, 1 failed. Recorded against their location: 2 skipped on purpose (skipped: 1, too_large: 1), 1 not readable (corrupt:
1); --format json lists each. 2 allow-listed values not reported. Took 3 s.
"""


def _stripped(text: str) -> str:
    return "\n".join(ln.rstrip() for ln in text.splitlines()) + "\n"


def test_table_at_80_columns_snapshot() -> None:
    text = rendered(80)
    assert all(len(ln) <= 80 for ln in text.splitlines())
    assert _stripped(text) == SNAPSHOT_80


def test_table_at_200_columns_snapshot() -> None:
    text = rendered(200)
    assert all(len(ln) <= 200 for ln in text.splitlines())
    assert _stripped(text) == SNAPSHOT_200


def test_table_at_200_columns_shows_every_column_and_whole_paths() -> None:
    text = rendered(200)
    assert all(len(ln) <= 200 for ln in text.splitlines())
    header = text.splitlines()[1].split()
    assert header == ["location", "field", "entity", "category", "severity", "count"]
    assert "archive.zip!/[link=http://evil.example]click[/link].txt" in text
    assert "user.government_id.national_identification_number" in text
    assert "not shown at this width" not in text


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
def test_entity_names_are_never_broken(width: int) -> None:
    text = rendered(width)
    for entity in ("EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "PHILOSOPHICAL_BELIEF"):
        assert entity in text
    assert all(len(ln) <= width for ln in text.splitlines())
    assert "EMAIL_ADDRES\n" not in text


def test_piped_output_without_columns_is_plain_tab_separated_rows() -> None:
    text = rendered(None)
    first = text.splitlines()[0]
    assert first == "location\tfield\tentity\tcategory\tseverity\tcount"
    row = next(ln for ln in text.splitlines() if ln.startswith(ROOT[7:] + "/customers") and
               "\tcard_number\t" in ln)
    assert row.split("\t")[2:] == ["CREDIT_CARD", "user.financial.credit_card", "high", "1"]
    assert "─" not in text


def test_wide_shows_everything_at_natural_width() -> None:
    text = rendered(80, wide=True)
    assert "user.government_id.national_identification_number" in text
    assert f"{ROOT[7:]}/customers-export-final.csv"[-40:] in text or "customers-export-final.csv" in text


def test_terminal_width_follows_columns_when_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "91")
    assert textsafe.terminal_width(io.StringIO()) == 91
    monkeypatch.delenv("COLUMNS")
    assert textsafe.terminal_width(io.StringIO()) is None


# -- escaping --------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b[2J", "\\x1b[2J"),
    ("\x1b]8;;http://evil.example\x07click\x1b]8;;\x07", ("\\x1b]8;;http://evil.example\\x07click"
     "\\x1b]8;;\\x07")),
    ("a\x9bb", "a\\x9bb"),  # C1 CSI
    ("tab\there", "tab\\x09here"),
    ("line\nbreak", "line\\x0abreak"),
    ("\u202eevil", "\\u202eevil"),  # right-to-left override
    ("plain [/oops].txt", "plain [/oops].txt"),  # markup is harmless in clean text ...
    ("café/名前.txt", "café/名前.txt"),  # ... and so are ordinary non-ASCII names
])
def test_clean_makes_control_characters_visible(raw: str, shown: str) -> None:
    assert textsafe.clean(raw) == shown


def test_markup_is_escaped_for_markup_strings() -> None:
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=200).print(f"name: {textsafe.markup(EVIL_LINK)}")
    assert EVIL_LINK in out.getvalue()


def test_hostile_names_neither_crash_nor_render_on_a_colour_terminal() -> None:
    out = io.StringIO()
    write(sample_result(), out, color=True, width=200)  # a terminal: colours on
    text = out.getvalue()
    assert "[/oops].txt" in text  # printed as text, no MarkupError
    assert EVIL_LINK in text  # not turned into a link
    assert "\x1b]8;" not in text  # no OSC 8 hyperlink from the name
    assert "\x1b[2J" not in text and "\\x1b[2J" in text
    assert "\x1b[31mred" not in text


def test_findings_list_and_inventory_escape_stored_names(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    with Inventory.open(db, tmp_path) as inv:
        inv.record(sample_result(), load_packs(["gdpr"]))
    for columns in ("80", "200"):
        monkeypatch.setenv("COLUMNS", columns)
        for args in (["findings", "list", "--db", db], ["inventory", "--db", db, "--by",
                                                        "source"]):
            res = CliRunner().invoke(main, args)
            assert res.exit_code == 0, res.output
            assert "\x1b" not in res.output and "\x07" not in res.output
            assert all(len(ln) <= int(columns) for ln in res.output.splitlines()), res.output
        res = CliRunner().invoke(main, ["findings", "list", "--db", db])
        assert "[/oops].txt" in res.output


# -- streaming -------------------------------------------------------------------------------
def test_table_stream_registered_and_equal_to_the_collected_report() -> None:
    from scanner.reports import STREAMING, stream_writer

    assert "table" in STREAMING
    out = io.StringIO()
    w = stream_writer("table", out)
    w.width = 120  # type: ignore[attr-defined]
    for f in sample_result().findings:
        w.finding(f)
    w.end(sample_result())
    assert out.getvalue() == rendered(120)


def test_table_stream_memory_does_not_grow_with_findings() -> None:
    def peak(n: int) -> int:
        w = TableStream(io.StringIO(), width=80)
        tracemalloc.start()
        for i in range(n):
            w.finding(finding(f"file:///d/{i // 3}.csv", "email", "EMAIL_ADDRESS",
                              "user.contact.email", "medium"))
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert w.total == n and len(w.rows) <= MAX_ROWS
        return size

    small, large = peak(2_000), peak(40_000)
    assert large < small * 2  # 20x the findings: the aggregates stay bounded


def test_rows_beyond_the_cap_are_counted_not_kept() -> None:
    w = TableStream(io.StringIO(), width=100)
    for i in range(MAX_ROWS + 50):
        w.finding(finding(f"file:///d/{i:04}.csv", None, "PERSON", "user.name", "low"))
    assert len(w.rows) == MAX_ROWS and w.more_findings == 50
    result = ScanResult(ScanInfo("i", "", "", ()), (), ())
    w.end(result)
    assert "50 more findings" in w.stream.getvalue()  # type: ignore[attr-defined]
    assert w.entities["PERSON"][0] == MAX_ROWS + 50


# -- the summary -----------------------------------------------------------------------------
def test_summary_counts_are_consistent_and_named() -> None:
    r = sample_result()
    text = summary_paragraph(r, 5, __import__("collections").Counter(high=2, medium=2, low=1), 3)
    assert text.startswith("5 findings (high 2, medium 2, low 1) in 3 locations.")
    assert "Items: 4 scanned, 1 skipped, 1 failed." in text
    assert "2 skipped on purpose (skipped: 1, too_large: 1)" in text
    assert "1 not readable (corrupt: 1)" in text
    assert "2 allow-listed values not reported." in text
    assert "Took 3 s." in text


# -- filters that explain themselves -----------------------------------------------------------
@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    fs = (finding("file:///d/a.csv", "email", "EMAIL_ADDRESS", "user.contact.email", "medium"),
          finding("file:///d/sub/b.txt", None, "HEALTH", "user.health", "high", "diabetes"))
    with Inventory.open(url, tmp_path) as inv:
        inv.record(ScanResult(ScanInfo("s", "t", "t", ("/d",)), fs, ()), load_packs(["gdpr"]))
    return url


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


def test_source_accepts_a_path(db: str) -> None:
    code, out = run("findings", "list", "--db", db, "--format", "json", "--source", "/d/sub")
    assert code == 0, out
    assert [r["entity"] for r in json.loads(out)] == ["HEALTH"]
    code, out = run("findings", "list", "--db", db, "--format", "json", "--source",
                    "file:///d/a.csv")
    assert [r["entity"] for r in json.loads(out)] == ["EMAIL_ADDRESS"]


@pytest.mark.parametrize(("args", "hint"), [
    (("--category", "user.helth"), "did you mean user.health"),
    (("--category", "user.contact.emial"), "did you mean user.contact.email"),
    (("--clause", "gdpr/art-99"), "did you mean gdpr/art-9"),
    (("--clause", "gdrp"), "did you mean gdpr"),
])
def test_unknown_category_or_clause_is_an_error_with_the_closest_names(
        db: str, args: tuple[str, ...], hint: str) -> None:
    code, out = run("findings", "list", "--db", db, *args)
    assert code != 0
    assert hint in out and "Traceback" not in out


def test_known_category_parent_is_accepted(db: str) -> None:
    code, out = run("findings", "list", "--db", db, "--format", "json", "--category",
                    "user.contact")
    assert code == 0 and [r["entity"] for r in json.loads(out)] == ["EMAIL_ADDRESS"]


@pytest.mark.parametrize("cmd", [("findings", "list"), ("inventory",), ("inventory", "runs"),
                                 ("findings", "history")])
def test_a_mistyped_db_is_an_error_and_creates_nothing(tmp_path: Path, cmd: tuple[str, ...]
                                                       ) -> None:
    missing = tmp_path / "typo.sqlite"
    code, out = run(*cmd, "--db", f"sqlite:///{missing}")
    assert code != 0
    assert "no inventory at" in out and "piiscout scan" in out
    assert not missing.exists()


@pytest.mark.parametrize(("name", "ok"), [("inv.pdf", False), ("inv.docx", False),
                                          ("inv.html", True), ("inv.json", True),
                                          ("inv.csv", True), ("inv.txt", True)])
def test_inventory_output_format_follows_the_extension_or_refuses(db: str, tmp_path: Path,
                                                                  name: str, ok: bool) -> None:
    target = tmp_path / name
    code, out = run("inventory", "--db", db, "-o", str(target))
    assert (code == 0) is ok, out
    assert target.exists() is ok
    if not ok:
        assert "--format" in out
    elif name.endswith(".json"):
        json.loads(target.read_text())


# -- progress ----------------------------------------------------------------------------------
def test_precount_lists_files_and_bytes_without_reading_them(tmp_path: Path) -> None:
    from scanner.cli.progress import _Count, precount

    (tmp_path / "a.txt").write_text("x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv").write_text("y" * 50)
    settings = load_settings().with_overrides(**{"limits.max_item_bytes": 60})
    c = _Count()
    precount([str(tmp_path)], settings, c)
    assert c.done and c.items == 2 and c.bytes == 50  # a.txt is a too_large skip: an item, no bytes


def test_precount_gives_up_where_listing_is_not_cheap(tmp_path: Path) -> None:
    from scanner.cli.progress import _Count, precount

    c = _Count()
    precount([f"mbox://{tmp_path}/x.mbox"], load_settings(), c)
    assert not c.done


def test_item_counts_match_the_precount(tmp_path: Path) -> None:
    """The bar's done/total end equal: the pre-count counts what the scan counts."""
    from scanner.cli.progress import _Count, precount
    from scanner.pipeline import scan

    for i in range(3):
        (tmp_path / f"f{i}.txt").write_text(f"mail jane{i}@example.org\n")
    (tmp_path / "big.txt").write_text("z" * 500)
    settings = load_settings().with_overrides(**{"limits.max_item_bytes": 200, "workers": 1,
                                                 "classify.ner": False})
    c = _Count()
    precount([str(tmp_path)], settings, c)
    result = scan([str(tmp_path)], settings, secret=SECRET)
    i = result.info
    assert c.items == i.scanned + i.skipped + i.failed == 4


def test_scan_with_output_prints_the_summary_paragraph(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.cli import progress

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("mail jane@example.org\n")
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(progress, "stderr_is_terminal", lambda: True)
    res = CliRunner().invoke(main, ["scan", str(tmp_path / "d"), "--no-ner", "--workers", "1",
                                    "--no-inventory", "--no-progress", "-o",
                                    str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    assert "1 finding (high 0, medium 1, low 0)" in res.output
    assert "Items: 1 scanned, 0 skipped, 0 failed." in res.output
    assert "Report written to" in res.output


def test_subject_find_table_escapes_stored_names(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret.key").write_text(SECRET.hex() + "\n")
    monkeypatch.setenv("PIISCOUT_HOME", str(home))
    db = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    with Inventory.open(db, tmp_path) as inv:
        inv.record(sample_result(), load_packs(["gdpr"]))
    res = CliRunner().invoke(main, ["subject", "find", "078-05-1120", "--db", db])
    assert res.exit_code == 0, res.output
    assert "[/oops].txt" in res.output and "\x1b" not in res.output


def test_progress_bar_path_gives_the_same_result_as_the_quiet_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.cli import progress

    data = tmp_path / "d"
    data.mkdir()
    for i in range(5):
        (data / f"f{i}.txt").write_text(f"write to jane{i}@example.org or call +44 20 7946 09{i}8\n")
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    args = ["scan", str(data), "--no-ner", "--workers", "1", "--no-inventory", "--format", "jsonl"]
    quiet = CliRunner().invoke(main, [*args, "--no-progress"])
    monkeypatch.setattr(progress, "stderr_is_terminal", lambda: True)
    shown = CliRunner().invoke(main, args)
    assert quiet.exit_code == shown.exit_code == 0, shown.output

    def findings(out: str) -> list[str]:
        return sorted(ln for ln in out.splitlines() if '"type": "finding"' in ln)

    assert findings(quiet.stdout) == findings(shown.stdout) and len(findings(quiet.stdout)) == 10


@pytest.mark.parametrize(("value", "width", "want"), [
    ("/srv/share/finance/archive.zip!/2023/leavers.csv", 80,
     "/srv/share/finance/archive.zip!/2023/leavers.csv"),
    ("/srv/share/finance/archive.zip!/2023/leavers.csv", 32, "/srv/share/fin…/2023/leavers.csv"),
    ("/srv/share/finance/archive.zip!/2023/leavers.csv", 40,
     "/srv/shar…/archive.zip!/2023/leavers.csv"),
    ("/srv/share/finance/archive.zip!/2023/leavers.csv", 20, "/srv/sh…/leavers.csv"),
    ("/a/averyveryverylongfilenamewithoutbreaks.csv", 16, "/a/avery…aks.csv"),
    ("short", 10, "short"),
])
def test_shorten_middle(value: str, width: int, want: str) -> None:
    got = textsafe.shorten_middle(value, width)
    assert len(got) <= width
    assert got == want


@pytest.mark.parametrize(("value", "width", "want"), [
    ("user.government_id.national_identification_number", 30,
     "user.government_id.\nnational_identification_number"),
    ("user.contact.email", 30, "user.contact.email"),
    ("user.behavior.browsing_history", 20, "user.behavior.\nbrowsing_history"),
])
def test_categories_break_after_a_dot(value: str, width: int, want: str) -> None:
    col = textsafe.Col("category", kind="dotted")
    assert textsafe.fit_cell(col, value, width) == want


@pytest.mark.parametrize(("name", "ok"), [("r.pdf", False), ("r.html", False), ("r.json", True),
                                          ("r.jsonl", True), ("r.csv", True), ("r.txt", True)])
def test_scan_output_format_follows_the_extension_or_refuses(tmp_path: Path, name: str, ok: bool,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    (tmp_path / "a.txt").write_text("mail jane@example.org\n")
    target = tmp_path / name
    res = CliRunner().invoke(main, ["scan", str(tmp_path / "a.txt"), "--no-ner", "--workers", "1",
                                    "--no-inventory", "-o", str(target)])
    assert (res.exit_code == 0) is ok, res.output
    assert target.exists() is ok
    if not ok:
        assert res.exit_code == 2 and "--format" in res.output
    elif name.endswith(".txt"):
        assert "EMAIL_ADDRESS" in target.read_text()


def test_scan_says_when_it_creates_an_inventory(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    (tmp_path / "a.txt").write_text("mail jane@example.org\n")
    db = tmp_path / "new.sqlite"
    args = ["scan", str(tmp_path / "a.txt"), "--no-ner", "--workers", "1", "--format", "jsonl",
            "--db", f"sqlite:///{db}"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert f"A new inventory was created: {db}" in first.stderr
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "new inventory" not in again.stderr
