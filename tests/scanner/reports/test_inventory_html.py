"""The HTML inventory report, rendered for a seeded inventory: summary (risk by severity, special
categories linked to a person, open review work), per-clause and per-category tables whose
location lists are bounded (the rest is "N more" and the command that lists them all), the
Record of Processing fields recorded, the definitions of finding and occurrence (the README's
words), no clear value and no external asset; then in a real headless Chromium, where it must
stay within its margin (screenshot in a temporary folder, or $PIISCOUT_SCREENSHOTS)."""

from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory import Inventory
from scanner.inventory.rows import DEFINITIONS
from scanner.models import ScanInfo, ScanResult, Severity
from scanner.policy import load_packs
from scanner.reports.html import TOP_LOCATIONS
from scanner.web.ropa import save_entry
from tests.helpers.paths import ROOT
from tests.helpers.web import CLEAR_VALUES, SEED, finding

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("PIISCOUT_SCREENSHOTS") or tempfile.mkdtemp(prefix="piiscout-shots-"))
MANY = 23  # e-mail addresses in as many files: more than the report lists per clause
PURPOSE = "Payroll and absence management for staff"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """An inventory with the workbench's seed, MANY more e-mail files, one confirmed and one
    false-positive finding and a Record of Processing entry; returns (url, home)."""
    home = tmp_path_factory.mktemp("html-home")
    url = f"sqlite:///{home / 'inventory.sqlite'}"
    extra = tuple(("EMAIL_ADDRESS", "user.contact.email", f"person{i}@example.org",
                   f"file:///d/share/very/long/folder/name/that/goes/on/and/on/team-{i:02}/"
                   f"contacts-export-with-a-long-name-{i:02}.csv", "email", "file", None,
                   Severity.MEDIUM) for i in range(MANY))
    info = ScanInfo("s1", "2026-01-01T00:00:00", "2026-01-01T00:00:01", ("/d", "/mail",
                                                                          "s3://logs"))
    with Inventory.open(url, home) as inv:
        inv.record(ScanResult(info, tuple(finding(*s) for s in (*SEED, *extra)), ()),
                   load_packs(["gdpr"]))
        rows = inv.findings()
        health = next(r for r in rows if r.entity == "HEALTH")
        inv.review(health.id, "confirmed", reviewer="dpo")
        cookie = next(r for r in rows if r.entity == "COOKIE_ID")
        inv.review(cookie.id, "false-positive", reviewer="dpo")
        save_entry(inv, "clause", "gdpr/art-9", {
            "purposes": PURPOSE, "data_subjects": "Employees; job applicants",
            "retention": "6 years after employment ends", "security": "encrypted at rest"},
            by="dpo")
    return url, home


@pytest.fixture(scope="module")
def page(seeded: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    url, home = seeded
    out = tmp_path_factory.mktemp("html-out") / "report.html"
    mp = pytest.MonkeyPatch()
    mp.setenv("PIISCOUT_HOME", str(home))
    try:
        res = CliRunner().invoke(main, ["inventory", "--db", url, "--policy", "gdpr", "-o",
                                        str(out)])
    finally:
        mp.undo()
    assert res.exit_code == 0, res.output
    return out.read_text(encoding="utf-8")


def _section(page: str, title: str) -> str:
    start = page.index(f">{title}</h")
    end = page.find("<h2>", start)
    return page[start:] if end < 0 else page[start:end]


def _row(section: str, key: str) -> str:
    start = section.index(key)
    return section[section.rfind("<tr", 0, start):section.index("</tr>", start)]


def test_summary_has_risk_by_severity_special_categories_and_open_work(page: str) -> None:
    summary = _section(page, "Summary")
    live = len(SEED) + MANY - 1  # the false positive is left out
    assert f"<b>{live}</b>findings" in summary
    high = _row(summary, 'sev-high">high')
    cells = re.findall(r"<td class='n'>(\d+)</td>", high)
    # high: the health and union findings and the IBAN; the health one is confirmed
    assert cells[:2] == ["3", "3"] and cells[3:5] == ["2", "1"]
    special = _section(page, "Special categories linked to a person")
    assert "user.health" in special and "user.demographic.union_membership" in special
    assert "user.contact.email" not in special
    work = _section(page, "Open review work")
    assert f"{live - 1} findings are not reviewed yet" in unescape(work)
    assert "piiscout findings list --status open" in unescape(work)


def test_location_lists_are_bounded_and_name_the_command_that_lists_them_all(
    page: str, seeded: tuple[str, Path]
) -> None:
    clauses = _section(page, "By policy clause")
    row = _row(clauses, "<b>gdpr/art-4-1</b>")
    assert row.count("<li>") == TOP_LOCATIONS
    m = re.search(r"… (\d+) more locations: <code>([^<]+)</code>", row)
    assert m, row
    more, command = int(m.group(1)), shlex.split(unescape(m.group(2)))
    assert command[:4] == ["piiscout", "findings", "list", "--clause"]
    url, home = seeded
    res = CliRunner().invoke(main, [*command[1:], "--db", url, "--policy", "gdpr"])
    assert res.exit_code == 0, res.output
    listed = {f["uri"] for f in json.loads(res.output)}
    assert len(listed) == TOP_LOCATIONS + more  # the command lists every location
    for section in (clauses, _section(page, "By category")):
        for tr in section.split("<tr")[1:]:
            assert tr.count("<li>") <= TOP_LOCATIONS
    assert len(page) < 60_000  # bounded, not a list of every location


def test_ropa_fields_definitions_and_no_clear_value(page: str) -> None:
    ropa = _section(page, "Record of Processing Activities")
    assert PURPOSE in ropa and "6 years after employment ends" in ropa
    assert "gdpr/art-9" in ropa and "user.health" in ropa
    per_subject = _section(page, "Per category of data subjects")
    assert "employees" in per_subject and "job applicants" in per_subject
    text = unescape(page)
    for word in ("finding", "occurrence"):
        assert DEFINITIONS[word] in text
        readme = " ".join((ROOT / "README.md").read_text().split())
        assert " ".join(DEFINITIONS[word].split(";")[0].split()) in readme
    for value in CLEAR_VALUES:
        assert value not in text
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert not re.search(r"https?://", page) and "url(" not in page  # no external asset
    gaps = _section(page, "Gaps")
    assert "no chosen pack" in gaps or "covered by every chosen pack" in gaps


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_report_stays_within_its_margin_in_chromium(page: str, tmp_path: Path) -> None:
    playwright_sync = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    SHOTS.mkdir(parents=True, exist_ok=True)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            for width in (1280, 800):
                tab = browser.new_page(viewport={"width": width, "height": 900})
                tab.goto(path.as_uri())
                sizes = tab.evaluate("""() => {
                    const body = document.body.getBoundingClientRect();
                    let widest = 0;
                    for (const el of document.querySelectorAll('table, li, code, blockquote'))
                        widest = Math.max(widest, el.getBoundingClientRect().right);
                    return {scroll: document.documentElement.scrollWidth,
                            client: document.documentElement.clientWidth,
                            right: body.right, widest: widest,
                            height: document.documentElement.scrollHeight};
                }""")
                assert sizes["scroll"] <= sizes["client"], sizes  # no sideways scrolling
                assert sizes["widest"] <= sizes["right"] + 1, sizes  # nothing past the margin
                assert sizes["height"] < 9000, sizes  # not thousands of pixels of uri lists
                tab.screenshot(path=str(SHOTS / f"inventory-report-{width}.png"), full_page=True)
                tab.close()
        finally:
            browser.close()
    assert (SHOTS / "inventory-report-1280.png").stat().st_size > 10_000
