"""Shared data for the workbench and subject-access tests: an inventory with known findings
(masked previews and keyed hashes only), the clear values they came from (which no page, log
or export may show), and helpers to sign in with a real CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.inventory import Inventory
from scanner.models import Finding, Location, ScanInfo, ScanResult, Severity
from scanner.policy import load_packs
from scanner.redact import SECRET_FILE, mask, value_hash

SECRET = b"w" * 32
PASSWORDS = {"vera": "viewer-pass-0001", "rex": "reviewer-pass-02", "ada": "admin-pass-00003"}
ROLES = {"vera": "viewer", "rex": "reviewer", "ada": "admin"}

# (entity, category, clear value, uri, field, source kind, linked, severity)
SEED = (
    ("EMAIL_ADDRESS", "user.contact.email", "jane.roe@example.org",
     "file:///d/crm/customers.csv", "email", "file", None, Severity.MEDIUM),
    ("PHONE_NUMBER", "user.contact.phone_number", "+44 7700 900122",
     "file:///d/crm/customers.csv", "phone", "file", None, Severity.MEDIUM),
    ("PERSON", "user.name", "Jane Roe", "file:///d/crm/customers.csv", "name", "file", None,
     Severity.LOW),
    ("PERSON", "user.name", "Jane Roe", "file:///d/hr/case-note.txt", None, "file", None,
     Severity.LOW),
    ("HEALTH", "user.health", "type 2 diabetes", "file:///d/hr/case-note.txt", None, "file",
     True, Severity.HIGH),
    ("TRADE_UNION", "user.demographic.union_membership", "member of Unite",
     "file:///d/hr/case-note.txt", None, "file", True, Severity.HIGH),
    ("PHONE_NUMBER", "user.contact.phone_number", "07700 900122", "file:///d/hr/phones.txt",
     None, "file", None, Severity.MEDIUM),
    ("IBAN_CODE", "user.financial.bank_account", "GB82 WEST 1234 5698 7654 32",
     "mbox:///mail/support.mbox#msg=3", None, "mail", None, Severity.HIGH),
    ("COOKIE_ID", "user.device.cookie_id", "sessionid=8f3b2c1d9e77aa", "s3://logs/web.log",
     None, "s3", None, Severity.MEDIUM),
)
CLEAR_VALUES = tuple(dict.fromkeys(s[2] for s in SEED))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PIISCOUT_HOME for one test: a fresh folder (not made yet) the web and subject tests seed."""
    h = tmp_path / "home"
    monkeypatch.setenv("PIISCOUT_HOME", str(h))
    return h


def finding(entity: str, category: str, value: str, uri: str, field: str | None, kind: str,
            linked: bool | None, severity: Severity) -> Finding:
    return Finding(Location(uri, 1 if field is None else None, field), entity, category, 0.9,
                   severity, "T-" + entity[:10], "test finding", mask(entity, value),
                   value_hash(SECRET, entity, value), linked=linked, source_kind=kind)


def seed_inventory(home: Path, seed: tuple = SEED) -> str:
    """An inventory (SQLite in ``home``) holding ``seed``, and the installation key."""
    home.mkdir(parents=True, exist_ok=True)
    (home / SECRET_FILE).write_text(SECRET.hex() + "\n")
    url = f"sqlite:///{home / 'inventory.sqlite'}"
    result = ScanResult(ScanInfo("s1", "2026-01-01T00:00:00", "2026-01-01T00:00:01",
                                 ("/d", "/mail", "s3://logs")),
                        tuple(finding(*s) for s in seed), ())
    with Inventory.open(url, home) as inv:
        inv.record(result, load_packs(["gdpr"]))
    return url


def add_users(inv: Inventory) -> None:
    from scanner.web.accounts import add_user

    for name, role in ROLES.items():
        add_user(inv, name, role, PASSWORDS[name], actor="test")


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                    r'type="hidden" name="csrf_token" value="([^"]+)"|'
                    r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    m = _TOKEN.search(html)
    assert m, "no CSRF token in the page"
    return next(g for g in m.groups() if g)


def login(client, name: str, password: str | None = None):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"name": name, "password": password or PASSWORDS[name],
                                       "csrf_token": csrf_token(page)})
