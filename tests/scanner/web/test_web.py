"""The workbench (piiscout serve) through Flask's test client: every route, every role, the
security promises (sessions, CSRF, roles, rate limits, loopback, no clear values or passwords)."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("flask")

from scanner.cli import main
from scanner.cli.serve import is_loopback
from scanner.inventory.store import Inventory
from scanner.web import create_app
from scanner.web.accounts import audit_entries
from tests.helpers.web import (
    CLEAR_VALUES,
    PASSWORDS,
    SECRET,
    add_users,
    csrf_token,
    login,
    seed_inventory,
)

GET_PAGES = (
    "/", "/inventory", "/inventory?by=category", "/inventory?by=source", "/findings",
    "/findings?status=*", "/findings?status=&special=1&linked=1", "/gaps", "/runs", "/about",
    "/ropa", "/ropa/export.csv", "/ropa/export.xlsx", "/packs", "/packs/gdpr",
    "/location?uri=file:///d/crm/customers.csv",
)
REVIEWER_PAGES = ("/subject", "/ropa/edit?scope=clause&key=gdpr/art-9")
ADMIN_PAGES = ("/admin/users", "/admin/audit")
POSTS = ("/findings/review", "/subject", "/ropa/edit?scope=clause&key=gdpr/art-9",
         "/packs/select", "/packs/import", "/packs/save", "/admin/users",
         "/admin/users/vera/remove", "/logout")


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small parameters: the same code path, less CPU per test."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("scanner.web.accounts._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(home: Path):
    url = seed_inventory(home)
    app = create_app(db_url=url, data_dir=home, testing=True)
    add_users(app.config["INVENTORY"])
    yield app
    app.config["INVENTORY"].close()


def signed_in(app, name: str):
    client = app.test_client()
    resp = login(client, name)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


def finding_id(app, entity: str, uri_part: str = "") -> int:
    inv: Inventory = app.config["INVENTORY"]
    return next(r.id for r in inv.findings(status="*") if r.entity == entity and uri_part in r.uri)


def status_of(app, fid: int) -> str:
    return app.config["INVENTORY"].findings(ids=[fid], status="*")[0].status


def assert_no_clear_value(text: str) -> None:
    for v in (*CLEAR_VALUES, *PASSWORDS.values(), SECRET.hex()):
        assert v not in text, f"{v!r} shown in clear"


# -- sessions ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", GET_PAGES + REVIEWER_PAGES + ADMIN_PAGES)
def test_no_page_without_a_session(app, path: str) -> None:
    resp = app.test_client().get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert_no_clear_value(resp.get_data(as_text=True))


@pytest.mark.parametrize("path", POSTS)
def test_no_change_without_a_session(app, path: str) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    fid = finding_id(app, "EMAIL_ADDRESS")
    resp = client.post(path, data={"csrf_token": token, "ids": str(fid), "status": "confirmed"})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert status_of(app, fid) == "open"


def test_login_sets_a_strict_session_cookie(app) -> None:
    client = app.test_client()
    resp = login(client, "vera")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie
    assert client.get("/").status_code == 200


def test_secure_cookies_when_configured(home: Path) -> None:
    url = seed_inventory(home)
    app = create_app(db_url=url, data_dir=home, testing=True, secure_cookies=True)
    add_users(app.config["INVENTORY"])
    resp = login(app.test_client(), "vera")
    assert "Secure" in resp.headers["Set-Cookie"]
    app.config["INVENTORY"].close()


def test_session_expires(app) -> None:
    app.permanent_session_lifetime = timedelta(seconds=1)
    client = signed_in(app, "vera")
    assert client.get("/").status_code == 200
    time.sleep(2.2)
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_logout_ends_the_session(app) -> None:
    client = signed_in(app, "vera")
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_a_new_password_signs_out_old_sessions(app) -> None:
    from scanner.web.accounts import set_password

    client = signed_in(app, "rex")
    set_password(app.config["INVENTORY"], "rex", "another-password-9", actor="test")
    assert client.get("/").status_code == 302
    assert login(app.test_client(), "rex", "another-password-9").status_code == 302


def test_wrong_password_refused_and_logged_without_it(app, caplog) -> None:
    caplog.set_level(logging.INFO)
    client = app.test_client()
    resp = login(client, "rex", "not-the-password-123")
    assert resp.status_code == 401
    assert client.get("/").status_code == 302
    entries = audit_entries(app.config["INVENTORY"], action="login-failed")
    assert [(e.actor, e.detail) for e in entries] == [("rex", "user=rex")]
    assert "not-the-password-123" not in caplog.text
    assert "not-the-password-123" not in json.dumps([e.__dict__ for e in entries])
    assert login(client, "Typed-My-Password-Here", "whatever-password").status_code == 401
    unknown = audit_entries(app.config["INVENTORY"], action="login-failed")[0]
    assert (unknown.actor, unknown.detail) == ("(unknown user)", "user=(unknown user)")
    assert "Typed-My-Password-Here" not in caplog.text


def test_failed_logins_are_rate_limited(app) -> None:
    client = app.test_client()
    codes = [login(client, "rex", f"wrong-password-{i:03}").status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    # a successful sign-in does not count against the limit, but the limit holds for the address
    assert login(client, "rex").status_code == 429


def test_repeated_failures_lock_the_user_name(home: Path) -> None:
    url = seed_inventory(home)
    app = create_app(db_url=url, data_dir=home, testing=True, login_limit="1000 per minute")
    add_users(app.config["INVENTORY"])
    client = app.test_client()
    for i in range(10):
        assert login(client, "ada", f"wrong-password-{i:03}").status_code == 401
    assert login(client, "ada").status_code == 429  # even with the right password
    assert login(client, "vera").status_code == 302  # other users are not locked
    app.config["INVENTORY"].close()


def test_next_parameter_cannot_redirect_elsewhere(app) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    resp = client.post("/login?next=//evil.example/x", data={
        "name": "vera", "password": PASSWORDS["vera"], "csrf_token": csrf_token(page)})
    assert resp.headers["Location"] == "/"


# -- CSRF ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", POSTS)
def test_a_form_without_its_csrf_token_is_refused(app, path: str) -> None:
    client = signed_in(app, "ada")
    fid = finding_id(app, "EMAIL_ADDRESS")
    resp = client.post(path, data={"ids": str(fid), "status": "confirmed", "name": "eve",
                                   "role": "admin", "password": "x" * 12, "pack": "cyrus"})
    assert resp.status_code == 400
    assert status_of(app, fid) == "open"
    from scanner.web.accounts import users

    assert [u.name for u in users(app.config["INVENTORY"])] == ["ada", "rex", "vera"]


def test_a_forged_csrf_token_is_refused(app) -> None:
    client = signed_in(app, "rex")
    fid = finding_id(app, "EMAIL_ADDRESS")
    other = app.test_client()
    foreign = csrf_token(other.get("/login").get_data(as_text=True))  # another session's token
    resp = client.post("/findings/review", data={"ids": str(fid), "status": "confirmed",
                                                 "csrf_token": foreign})
    assert resp.status_code == 400 and status_of(app, fid) == "open"


def test_login_form_needs_its_csrf_token(app) -> None:
    resp = app.test_client().post("/login", data={"name": "vera", "password": PASSWORDS["vera"]})
    assert resp.status_code == 400


# -- roles ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", GET_PAGES)
def test_viewer_reads_every_page_without_clear_values(app, path: str) -> None:
    resp = signed_in(app, "vera").get(path)
    assert resp.status_code == 200
    body = resp.get_data(as_text=False)
    if path.endswith(".xlsx"):
        from openpyxl import load_workbook

        ws = load_workbook(io.BytesIO(body)).active
        body = "\n".join(str(c.value) for row in ws.iter_rows() for c in row).encode()
    assert_no_clear_value(body.decode("utf-8"))
    assert resp.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_pages_show_masked_previews(app) -> None:
    client = signed_in(app, "vera")
    page = client.get("/findings?status=*").get_data(as_text=True)
    assert "j***@e***.org" in page and "**** **** **** **** **54 32" in page
    detail = client.get(f"/findings/{finding_id(app, 'HEALTH')}").get_data(as_text=True)
    assert "gdpr/art-9" in detail and "user.health" in detail and "linked" in detail


@pytest.mark.parametrize("path", REVIEWER_PAGES + ADMIN_PAGES)
def test_viewer_cannot_open_reviewer_or_admin_pages(app, path: str) -> None:
    assert signed_in(app, "vera").get(path).status_code == 403


def test_viewer_cannot_review(app) -> None:
    client = signed_in(app, "vera")
    fid = finding_id(app, "EMAIL_ADDRESS")
    page = client.get("/findings").get_data(as_text=True)
    assert 'name="ids"' not in page  # no checkboxes, no decision form
    resp = client.post("/findings/review", data={"ids": str(fid), "status": "confirmed",
                                                 "csrf_token": csrf_token(page)})
    assert resp.status_code == 403 and status_of(app, fid) == "open"


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_reviewer_cannot_manage(app, path: str) -> None:
    client = signed_in(app, "rex")
    assert client.get(path).status_code == 403
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/packs/select", data={"pack": "cyrus", "csrf_token": token}
                       ).status_code == 403
    assert client.post("/admin/users", data={"name": "eve", "role": "admin",
                                             "password": "x" * 12, "csrf_token": token}
                       ).status_code == 403


# -- review ---------------------------------------------------------------------------------
def test_bulk_review_by_the_signed_in_user(app) -> None:
    client = signed_in(app, "rex")
    page = client.get("/findings").get_data(as_text=True)
    a, b = finding_id(app, "EMAIL_ADDRESS"), finding_id(app, "COOKIE_ID")
    untouched = finding_id(app, "IBAN_CODE")
    resp = client.post("/findings/review", data={
        "ids": [str(a), str(b)], "status": "accepted", "note": "lawful basis: contract",
        "csrf_token": csrf_token(page), "back": "/findings"})
    assert resp.status_code == 302
    inv = app.config["INVENTORY"]
    assert (status_of(app, a), status_of(app, b), status_of(app, untouched)) == (
        "accepted", "accepted", "open")
    assert [(e.reviewer, e.new_status, e.note) for e in inv.history(a)] == [
        ("rex", "accepted", "lawful basis: contract")]
    assert audit_entries(inv, action="review")[0].detail == "findings=2 status=accepted"


def test_bulk_review_of_everything_matching_the_filters(app) -> None:
    client = signed_in(app, "rex")
    page = client.get("/findings?entity=PERSON").get_data(as_text=True)
    client.post("/findings/review", data={
        "all_matching": "1", "filters": "status=open&entity=PERSON", "status": "confirmed",
        "csrf_token": csrf_token(page)})
    rows = app.config["INVENTORY"].findings(status="*")
    assert {r.status for r in rows if r.entity == "PERSON"} == {"confirmed"}
    assert {r.status for r in rows if r.entity != "PERSON"} == {"open"}


def test_reopen_and_history(app) -> None:
    client = signed_in(app, "rex")
    fid = finding_id(app, "HEALTH")
    for status in ("false-positive", "open"):
        token = csrf_token(client.get(f"/findings/{fid}").get_data(as_text=True))
        client.post("/findings/review", data={"ids": str(fid), "status": status,
                                              "note": f"to {status}", "csrf_token": token})
    assert status_of(app, fid) == "open"
    page = client.get(f"/findings/{fid}").get_data(as_text=True)
    assert page.count("rex") >= 3 and "to false-positive" in page and "to open" in page
    assert [e.new_status for e in app.config["INVENTORY"].history(fid)] == [
        "false-positive", "open"]


def test_filters(app) -> None:
    client = signed_in(app, "vera")

    def ids(query: str) -> set[str]:
        import re

        page = client.get("/findings?" + query).get_data(as_text=True)
        return set(re.findall(r'href="/findings/(\d+)"', page))

    special = ids("status=&special=1&linked=1")
    assert special == {str(finding_id(app, "HEALTH")), str(finding_id(app, "TRADE_UNION"))}
    assert ids("status=&clause=gdpr/art-9") == special
    assert ids("status=&severity=high") == special | {str(finding_id(app, "IBAN_CODE"))}
    assert ids("status=&source=s3") == {str(finding_id(app, "COOKIE_ID"))}
    assert ids("status=&q=phones.txt") == {str(finding_id(app, "PHONE_NUMBER", "phones"))}
    assert ids("status=confirmed") == set()


# -- subject access ------------------------------------------------------------------------
def test_subject_lookup_page_audits_the_kind_never_the_value(app, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client = signed_in(app, "rex")
    token = csrf_token(client.get("/subject").get_data(as_text=True))
    resp = client.post("/subject", data={"value": "07700 900122", "kind": "", "live": "y",
                                         "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "2 locations hold this phone" in page
    assert "file:///d/crm/customers.csv" in page and "file:///d/hr/phones.txt" in page
    assert "j***@e***.org" in page  # the same person's e-mail at the same location
    assert_no_clear_value(page)
    entry = audit_entries(app.config["INVENTORY"], action="subject-lookup")[0]
    assert (entry.actor, entry.detail) == ("rex", "kind=phone locations=2 via=web")
    assert "900122" not in caplog.text


# -- record of processing ----------------------------------------------------------------
def test_ropa_edit_and_exports(app) -> None:
    from openpyxl import load_workbook

    client = signed_in(app, "rex")
    path = "/ropa/edit?scope=clause&key=gdpr/art-9"
    token = csrf_token(client.get(path).get_data(as_text=True))
    resp = client.post(path, data={"purposes": "occupational health", "data_subjects": "staff",
                                   "recipients": "=HYPERLINK(\"x\")", "transfers": "none",
                                   "retention": "6 years", "security": "encrypted share",
                                   "csrf_token": token})
    assert resp.status_code == 302
    text = client.get("/ropa/export.csv").get_data(as_text=True)
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    art9 = next(r for r in rows if r[1] == "gdpr/art-9")
    assert "occupational health" in art9 and "6 years" in art9 and "rex" in art9[-1]
    assert "user.health" in art9[3] and "user.demographic.union_membership" in art9[4]
    assert "'=HYPERLINK(\"x\")" in art9  # no formula injection
    ws = load_workbook(io.BytesIO(client.get("/ropa/export.xlsx").get_data())).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0][0] == "Recorded for"
    x9 = next(r for r in cells if r[1] == "gdpr/art-9")
    assert x9[7] == "occupational health" and "user.health" in x9[3]
    sources = {r[1] for r in cells if r[0] == "source"}
    assert {"file:///d", "mbox:///mail", "s3://logs"} <= sources
    assert signed_in(app, "vera").get(path).status_code == 403


# -- policy packs ----------------------------------------------------------------------------
def test_only_gdpr_is_active_by_default_and_admins_choose(app, home: Path) -> None:
    client = signed_in(app, "ada")
    page = client.get("/gaps").get_data(as_text=True)
    assert "Under the active packs: gdpr " in page and "cyrus" not in page
    token = csrf_token(client.get("/packs").get_data(as_text=True))
    client.post("/packs/select", data={"pack": ["gdpr", "cyrus"], "csrf_token": token})
    from scanner.policy import selected_packs

    assert selected_packs(home) == ("gdpr", "cyrus")
    assert "Under the active packs: gdpr, cyrus" in client.get("/gaps").get_data(as_text=True)


def test_import_a_policy_review_the_draft_and_activate(app, home: Path) -> None:
    client = signed_in(app, "ada")
    token = csrf_token(client.get("/packs").get_data(as_text=True))
    policy = ("Acme privacy policy\n\nInformation we collect\n\nWe collect your name, e-mail "
              "address and phone number when you register, and your IP address and cookies "
              "when you visit.\n")
    resp = client.post("/packs/import", data={"pack_id": "acme", "title": "Acme",
                                              "text": policy, "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "user.contact.email" in page and "DRAFT" in page
    import html
    import re

    draft = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.DOTALL).group(1))
    resp = client.post("/packs/save", data={"yaml_text": draft, "activate": "y",
                                            "csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    assert (home / "policies" / "acme.yaml").is_file()
    from scanner.policy import selected_packs

    assert selected_packs(home) == ("gdpr", "acme")
    listing = client.get("/packs").get_data(as_text=True)
    assert "acme" in listing and "imported" in listing
    bad = client.post("/packs/save", data={"yaml_text": "id: gdpr\ntitle: x\nclauses: []\n",
                                           "csrf_token": csrf_token(listing)})
    assert bad.status_code == 400


# -- users ----------------------------------------------------------------------------------
def test_admin_adds_and_removes_users(app) -> None:
    from scanner.web.accounts import users

    client = signed_in(app, "ada")
    token = csrf_token(client.get("/admin/users").get_data(as_text=True))
    client.post("/admin/users", data={"name": "dora", "role": "reviewer",
                                      "password": "dora-password-1", "csrf_token": token})
    assert ("dora", "reviewer") in [(u.name, u.role) for u in users(app.config["INVENTORY"])]
    page = client.get("/admin/users").get_data(as_text=True)
    assert "dora-password-1" not in page
    client.post("/admin/users/dora/remove", data={"csrf_token": csrf_token(page)})
    client.post("/admin/users/ada/remove", data={"csrf_token": csrf_token(page)})
    assert [u.name for u in users(app.config["INVENTORY"])] == ["ada", "rex", "vera"]
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "user-add" in audit and "user-remove" in audit and "dora-password-1" not in audit


# -- the CLI --------------------------------------------------------------------------------
def test_users_cli(home: Path) -> None:
    db = seed_inventory(home)
    run = CliRunner()
    res = run.invoke(main, ["users", "add", "dpo", "--role", "admin", "--password-stdin",
                            "--db", db], input="a-long-password-1\n")
    assert res.exit_code == 0 and "a-long-password-1" not in res.output
    res = run.invoke(main, ["users", "add", "dpo", "--role", "viewer", "--password-stdin",
                            "--db", db], input="a-long-password-2\n")
    assert res.exit_code != 0 and "already exists" in res.output
    res = run.invoke(main, ["users", "add", "x", "--role", "viewer", "--password-stdin",
                            "--db", db], input="short\n")
    assert res.exit_code != 0 and "at least 10" in res.output
    res = run.invoke(main, ["users", "add", "bob", "--role", "reviewer", "--db", db],
                     input="prompted-password\nprompted-password\n")
    assert res.exit_code == 0, res.output
    res = run.invoke(main, ["users", "list", "--format", "json", "--db", db])
    assert [(u["name"], u["role"]) for u in json.loads(res.output)] == [
        ("bob", "reviewer"), ("dpo", "admin")]
    assert run.invoke(main, ["users", "remove", "bob", "--db", db]).exit_code == 0
    assert run.invoke(main, ["users", "remove", "bob", "--db", db]).exit_code != 0
    with Inventory.open(db, home) as inv:
        from sqlalchemy import text

        with inv.engine.connect() as c:
            stored = c.execute(text("SELECT password_hash FROM users")).scalar_one()
        assert stored.startswith("$argon2id$") and "a-long-password-1" not in stored


def test_policy_use_cli(home: Path) -> None:
    run = CliRunner()
    out = run.invoke(main, ["policy", "list"]).output
    active = [line.split()[1] for line in out.splitlines() if "yes" in line]
    assert active == ["gdpr"]
    res = run.invoke(main, ["policy", "use", "gdpr", "cybrid"])
    assert res.exit_code == 0 and "gdpr, cybrid" in res.output
    out = run.invoke(main, ["policy", "list"]).output
    assert sorted(line.split()[1] for line in out.splitlines() if "yes" in line) == [
        "cybrid", "gdpr"]
    res = run.invoke(main, ["policy", "use", "nope"])
    assert res.exit_code != 0 and "unknown policy pack" in res.output
    from scanner.policy import load_packs

    assert [p.id for p in load_packs(())] == ["gdpr", "cybrid"]


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "::"])
def test_serve_refuses_a_non_loopback_host(home: Path, host: str) -> None:
    res = CliRunner().invoke(main, ["serve", "--host", host, "--port", "0"])
    assert res.exit_code != 0 and "--allow-remote" in res.output


def test_runs_show_what_each_run_found_first(app, home: Path) -> None:
    from scanner.models import ScanInfo, ScanResult
    from scanner.policy import load_packs
    from tests.helpers.web import SEED, finding

    inv = app.config["INVENTORY"]
    extra = ("EMAIL_ADDRESS", "user.contact.email", "new.person@example.org",
             "file:///d/crm/leads.csv", "email", "file", None, SEED[0][7])
    inv.record(ScanResult(ScanInfo("s2", "t", "t", ("/d",)),
                          tuple(finding(*s) for s in (*SEED[:2], extra)), ()),
               load_packs(["gdpr"]))
    client = signed_in(app, "vera")
    page = client.get("/runs").get_data(as_text=True)
    assert "new_in=2" in page and "new_in=1" in page
    import re

    listed = client.get("/findings?status=*&new_in=2").get_data(as_text=True)
    assert set(re.findall(r'href="/findings/(\d+)"', listed)) == {
        str(finding_id(app, "EMAIL_ADDRESS", "leads.csv"))}


@pytest.mark.parametrize("back", ["//evil.example/x", "/\\evil.example", "https://evil.example/"])
def test_a_review_never_redirects_off_the_server(app, back: str) -> None:
    client = signed_in(app, "rex")
    token = csrf_token(client.get("/findings").get_data(as_text=True))
    resp = client.post("/findings/review", data={"ids": str(finding_id(app, "PERSON")),
                                                 "status": "accepted", "back": back,
                                                 "csrf_token": token})
    assert resp.headers["Location"] == "/findings"
