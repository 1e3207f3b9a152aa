"""End to end in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
`piiscout serve` runs as a subprocess on a free loopback port over an inventory made by real
scans; a reviewer signs in, reviews in bulk, looks up a subject and exports the Record of
Processing; a viewer cannot review. Screenshots go to a temporary folder,
or to $PIISCOUT_SCREENSHOTS (docs/screenshots/ holds the last ones committed)."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT

playwright_sync = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (.ci/servers.d/chromium.sh installs it)",
                allow_module_level=True)

# Screenshots go to a temporary folder; PIISCOUT_SCREENSHOTS=docs/screenshots refreshes the docs'.
SHOTS = Path(os.environ.get("PIISCOUT_SCREENSHOTS") or tempfile.mkdtemp(prefix="piiscout-shots-"))
PIISCOUT = str(Path(sys.executable).with_name("piiscout"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORDS = {"rita": "rita-reviews-2026", "vic": "vic-only-reads-1", "ada": "ada-admin-pass-9"}
CLEAR = ("jane.roe@example.org", "Jane", "4111 1111 1111 1111", "daniel.okafor@example.org",
         "Daniel Okafor", "Customer.047@Example.org", "customer.047@example.org",
         *PASSWORDS.values())


def _run(env: dict[str, str], *args: str, stdin: str = "") -> str:
    res = subprocess.run([PIISCOUT, *args], input=stdin, capture_output=True, text=True,
                         env=env, timeout=600, check=False)
    assert res.returncode == 0, res.stderr
    return res.stdout + res.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    base = tmp_path_factory.mktemp("workbench")
    home = base / "home"
    env = {**os.environ, "PIISCOUT_HOME": str(home), "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    db = base / "crm.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, FirstName TEXT, "
                "LastName TEXT, Email TEXT, Phone TEXT)")
    con.executemany("INSERT INTO Customer VALUES (?, ?, ?, ?, ?)", [
        (i, f"Given{i}", f"Family{i}", f"Customer.{i:03}@Example.org", f"+44 20 7946 {i:04}")
        for i in range(1, 61)])
    con.commit()
    con.close()
    logs = [_run(env, "scan", str(ROOT / "examples"), "--no-ner", "--format", "json", "-o",
                 str(base / "a.json")),
            _run(env, "scan", f"sqlite:///{db}", "--no-ner", "--sample-rows", "5", "--format",
                 "json", "-o", str(base / "b.json"))]
    for name, role in (("rita", "reviewer"), ("vic", "viewer"), ("ada", "admin")):
        logs.append(_run(env, "users", "add", name, "--role", role, "--password-stdin",
                         stdin=PASSWORDS[name] + "\n"))
    log = base / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([PIISCOUT, "serve", "--port", "0"], stdout=out,
                                stderr=subprocess.STDOUT, env=env)
    try:
        port = None
        for _ in range(300):
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", log.read_text())
            if m:
                port = int(m.group(1))
                break
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        assert port, log.read_text()
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "log": log, "home": home,
               "base": base, "pid": proc.pid, "cli": "\n".join(logs)}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser_context(server: dict[str, object], tmp_path_factory: pytest.TempPathFactory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_sync.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=ARGS,
            accept_downloads=True, viewport={"width": 1360, "height": 900})
        yield ctx
        ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp{,6})."""
    out = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, _, p = local.partition(":")
            if state == "0A" and int(p, 16) == port:
                out.add(addr)
    return out


def test_serve_listens_on_loopback_only(server: dict[str, object]) -> None:
    addrs = _listening_addresses(int(server["port"]))  # type: ignore[arg-type]
    assert addrs == {"0100007F"}, addrs  # 127.0.0.1, nothing else, no IPv6 wildcard


def sign_in(page, server: dict[str, object], name: str) -> None:
    page.goto(f"{server['url']}/")
    assert "/login" in page.url
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.click("input[type=submit]")
    page.wait_for_url(f"{server['url']}/")


def sign_out(page) -> None:
    page.click("form.logout button")
    page.wait_for_url("**/login")


def test_reviewer_workflow(browser_context, server: dict[str, object]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_context.new_page()
    sign_in(page, server, "rita")
    assert page.locator("h1").inner_text() == "Dashboard"
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

    # review in bulk: the first three open findings become confirmed, with a note
    page.goto(f"{server['url']}/findings")
    boxes = page.locator("input[name=ids]")
    total_open = boxes.count()
    assert total_open >= 3
    ids = [boxes.nth(i).get_attribute("value") for i in range(3)]
    for i in range(3):
        boxes.nth(i).check()
    page.select_option("#status", "confirmed")
    page.fill("#note", "checked with the data owner")
    page.screenshot(path=str(SHOTS / "review-queue.png"), full_page=False)
    page.click("button[name=apply]")
    page.wait_for_load_state()
    assert "3 findings set to confirmed." in page.locator(".flash").inner_text()
    assert page.locator("input[name=ids]").count() == total_open - 3
    page.goto(f"{server['url']}/findings/{ids[0]}")
    history = page.locator("section:has(h2:text('History'))").inner_text()
    assert "rita" in history and "checked with the data owner" in history
    page.screenshot(path=str(SHOTS / "finding.png"), full_page=True)

    # subject access: a database customer outside the scan's sample is found by the live query
    page.goto(f"{server['url']}/subject")
    page.fill("#value", "customer.047@example.org")
    page.click("button.primary")
    page.wait_for_selector("#results")
    results = page.locator("#results").inner_text()
    assert "1 location holds this email" in results and "live query" in results
    assert "/main/Customer" in results and "Phone: PHONE_NUMBER" in results
    assert page.input_value("#value") == ""
    page.screenshot(path=str(SHOTS / "subject-access.png"), full_page=True)

    # the Record of Processing: record a purpose, export CSV and XLSX
    page.goto(f"{server['url']}/ropa/edit?scope=clause&key=gdpr/art-9")
    page.fill("#purposes", "occupational health management")
    page.fill("#retention", "6 years after employment ends")
    page.click("button.primary")
    page.wait_for_url(f"{server['url']}/ropa")
    page.screenshot(path=str(SHOTS / "ropa.png"), full_page=False)
    with page.expect_download() as dl:
        page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8"))))
    art9 = next(r for r in rows if r[1] == "gdpr/art-9")
    assert "occupational health management" in art9 and "user.health" in art9[3]
    with page.expect_download() as dl:
        page.click("#export-xlsx")
    from openpyxl import load_workbook

    assert dl.value.suggested_filename == "record-of-processing.xlsx"
    ws = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    assert any(row[7].value == "occupational health management" for row in ws.iter_rows(min_row=2))
    sign_out(page)
    page.close()


def test_viewer_sees_no_review_controls(browser_context, server: dict[str, object]) -> None:
    page = browser_context.new_page()
    sign_in(page, server, "vic")
    page.goto(f"{server['url']}/findings")
    assert page.locator("input[name=ids]").count() == 0
    assert page.locator("table.findings tr").count() > 1
    resp = page.goto(f"{server['url']}/subject")
    assert resp is not None and resp.status == 403
    page.goto(f"{server['url']}/gaps")
    page.screenshot(path=str(SHOTS / "gaps.png"), full_page=True)
    sign_out(page)
    page.close()


def test_admin_activates_a_pack(browser_context, server: dict[str, object]) -> None:
    page = browser_context.new_page()
    sign_in(page, server, "ada")
    page.goto(f"{server['url']}/packs")
    page.check("input[value=cybrid]")
    page.click("text=Use the checked packs")
    assert "Active packs: cybrid, gdpr" in page.locator(".flash").inner_text()
    page.goto(f"{server['url']}/inventory")
    assert "cybrid/" in page.locator("table").inner_text()
    page.screenshot(path=str(SHOTS / "inventory.png"), full_page=False)
    sign_out(page)
    page.close()


def test_no_clear_value_or_password_in_the_server_log(server: dict[str, object],
                                                      browser_context) -> None:
    text = Path(str(server["log"])).read_text() + str(server["cli"])
    assert "POST /login" in text and "subject-lookup" in text
    for clear in CLEAR:
        assert clear not in text, clear
