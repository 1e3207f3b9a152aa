"""Clauses are worked out in one place (:class:`scanner.policy.PolicyMapper`, from what the
inventory stores about a finding) with the packs chosen now: after ``policy use`` changes them,
a new scan's report, ``findings list``, ``inventory``, the gaps and the workbench all agree.
A mail file found in a folder (an .eml, an mbox, a PST, an .msg) counts as stored e-mail."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.inventory import Inventory
from scanner.policy import PolicyMapper, load_packs, source_kinds_of
from tests.helpers.paths import ROOT

EML = """From: Daniel Okafor <daniel.okafor@example.org>
To: HR <hr@example.org>
Subject: sick leave
Date: Mon, 4 Mar 2024 09:00:00 +0000
Message-ID: <1@example.org>

Hello, my phone is +44 20 7946 0958 and I am off sick this week.
"""
MBOX = "From daniel@example.org Mon Mar  4 09:00:00 2024\n" + EML + "\n"


def cli(*args: str) -> str:
    res = CliRunner().invoke(main, list(args))
    assert res.exit_code in (0, 1), res.output  # 1: --fail-on is not given, findings do not fail
    return res.output


@pytest.mark.parametrize(("kind", "uri", "mail"), [
    ("file", "file:///share/box.pst#folder=Inbox/msg=3", True),
    ("file", "file:///share/Letter.MSG", True),
    ("file", "file:///share/a.msg!/attachment=cv.pdf", True),
    ("file", "file:///share/x.eml", True),
    ("smb", "smb://srv/share/old.mbox#msg=1", True),
    ("s3", "s3://b/archive.zip!/2024/m.eml", True),
    ("file", "file:///share/mailbox#msg=12", True),  # an mbox without an extension
    ("mail", "mbox:///m/x.mbox#msg=1", True),  # a mail connector's items are mail already
    ("file", "file:///share/notes.txt", False),
    ("file", "file:///share/msg.csv", False),
    ("file", "file:///share/eml-export/list.csv", False),  # a folder named like a mail file
    ("file", "file:///share/report.emlx.txt", False),
    ("file", "file:///share/page.html#msg", False),
    ("database", "sqlite:///crm.db/main/messages", False),
])
def test_a_location_in_a_mail_file_counts_as_mail(kind: str, uri: str, mail: bool) -> None:
    assert ("mail" in source_kinds_of(kind, uri)) is mail
    assert source_kinds_of(kind, uri)[0] == kind  # its own kind still counts
    cyrus = PolicyMapper(load_packs(["cyrus"]))
    got = cyrus.clauses_for_category("user.name", None, kind, uri)
    assert ("cyrus/communications" in got) is mail


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("PIISCOUT_HOME", str(h))
    return h


def _identity(uri: str, field: str | None, entity: str, value_hash: str) -> tuple[str, ...]:
    return (uri, field or "", entity, value_hash)


def _report_clauses(path: Path) -> dict[tuple[str, ...], set[str]]:
    out: dict[tuple[str, ...], set[str]] = {}
    for f in json.loads(path.read_text())["findings"]:
        key = _identity(f["location"]["uri"], f["location"]["field"], f["entity"],
                        f["value_hash"])
        out.setdefault(key, set()).update(f["clauses"])
    return out


def test_after_a_change_of_packs_every_reader_agrees(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "share"
    shutil.copytree(ROOT / "examples", share)
    (share / "mail").mkdir()
    (share / "mail" / "leave.eml").write_text(EML)
    (share / "mail" / "hr-archive").write_text(MBOX)  # an mbox named without an extension
    db = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    cli("policy", "use", "gdpr")
    cli("scan", str(share), "--no-ner", "--db", db, "--format", "json", "-o",
        str(tmp_path / "r1.json"))
    before = json.loads(cli("findings", "list", "--db", db, "--format", "json"))
    assert before and all(c.startswith("gdpr/") for f in before for c in f["clauses"])

    cli("policy", "use", "cyrus", "cybrid")  # the organisation changes its packs
    listed = json.loads(cli("findings", "list", "--db", db, "--format", "json"))
    clauses = {_identity(f["uri"], f["field"], f["entity"], f["value_hash"]): set(f["clauses"])
               for f in listed}
    assert len(clauses) == len(before)
    assert all(c.split("/")[0] in ("cyrus", "cybrid") for cs in clauses.values() for c in cs)
    # mail files found in the folder count for "stored e-mail and communications"
    in_mail = [k for k in clauses if "/mail/" in k[0]]
    assert {k[0].split("/mail/")[1].split("#")[0] for k in in_mail} == {"leave.eml", "hr-archive"}
    assert all("cyrus/communications" in clauses[k] for k in in_mail)
    assert not any("cyrus/communications" in cs for k, cs in clauses.items() if k not in in_mail)

    # the store's own default (the chosen packs) is the same
    with Inventory.open(db, tmp_path) as inv:
        stored = {_identity(r.uri, r.field, r.entity, r.value_hash): set(r.clauses)
                  for r in inv.findings()}
        ids = {r.id: _identity(r.uri, r.field, r.entity, r.value_hash) for r in inv.findings()}
    assert stored == clauses

    # inventory: each clause's finding count is the number of listed findings under it
    inventory = json.loads(cli("inventory", "--db", db, "--format", "json"))
    groups = {g["key"]: g["findings"] for g in inventory["groups"]}
    for qid, n in groups.items():
        want = sum(1 for cs in clauses.values() if (qid in cs if qid != "(no clause)" else not cs))
        assert n == want, qid
    assert {p["id"] for p in inventory["packs"]} == {"cyrus", "cybrid"}

    # gaps: the clauses without data are exactly the chosen packs' clauses nobody falls under
    gaps = json.loads(cli("inventory", "gaps", "--db", db, "--format", "json"))["gaps"]
    mapper = PolicyMapper(load_packs(["cyrus", "cybrid"]))
    used = set().union(*clauses.values())
    assert {c["clause"] for c in gaps["clauses_without_data"]} == {
        p.qualified(c) for p, c in mapper.all_clauses()} - used
    assert "cyrus/communications" not in {c["clause"] for c in gaps["clauses_without_data"]}
    rows_without = {k[2] for k, cs in clauses.items() if not cs}
    for g in gaps["uncovered_categories"]:
        assert set(g["entities"]) <= rows_without

    # a new scan (the packs changed, so every item is read again) reports the same clauses
    cli("scan", str(share), "--no-ner", "--db", db, "--format", "json", "-o",
        str(tmp_path / "r2.json"))
    assert _report_clauses(tmp_path / "r2.json") == clauses

    # the workbench: each finding's page links the same clauses
    from argon2 import PasswordHasher

    from scanner.web import create_app
    from scanner.web.accounts import add_user
    from tests.helpers.web import login

    monkeypatch.setattr("scanner.web.accounts._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    app = create_app(db_url=db, data_dir=home, testing=True)
    try:
        add_user(app.config["INVENTORY"], "vera", "viewer", "viewer-pass-0001", actor="test")
        client = app.test_client()
        assert login(client, "vera", "viewer-pass-0001").status_code == 302
        for fid, key in ids.items():
            page = client.get(f"/findings/{fid}").get_data(as_text=True)
            facts = page.split("<dt>clauses</dt>", 1)[1].split("</dd>", 1)[0]
            shown = {unquote(m) for m in re.findall(r"clause=([^\"&]+)", facts)}
            assert shown == clauses[key], key
        page = client.get("/inventory").get_data(as_text=True)
        assert "cyrus/communications" in page and "gdpr/" not in page
    finally:
        app.config["INVENTORY"].close()


def test_pst_and_msg_files_in_a_folder_count_as_mail(
    tmp_path: Path, home: Path, shared_corpus: Path
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    for name in ("pst/aleph_testPST.pst", "misc/piste.msg", "mail_parser/mail_outlook_1.msg"):
        src = shared_corpus / "mail" / name
        if not src.is_file():
            pytest.skip(f"{src} is not in the shared corpus")
        shutil.copy(src, share / src.name)
    db = f"sqlite:///{tmp_path / 'inv.sqlite'}"
    cli("scan", str(share), "--no-ner", "--db", db, "--policy", "cyrus", "--format", "json",
        "-o", str(tmp_path / "r.json"))
    listed = json.loads(cli("findings", "list", "--db", db, "--policy", "cyrus", "--format",
                            "json"))
    assert listed and all(f["source_kind"] == "file" for f in listed)
    assert all("cyrus/communications" in f["clauses"] for f in listed if f["linked"] is not False
               and f["category"].startswith("user"))
    gaps = json.loads(cli("inventory", "gaps", "--db", db, "--policy", "cyrus", "--format",
                          "json"))["gaps"]
    assert "cyrus/communications" not in {c["clause"] for c in gaps["clauses_without_data"]}


def test_map_equals_the_plain_mapping() -> None:
    """The memoised :meth:`PolicyMapper.map` against :meth:`map_reference`."""
    import itertools

    from tests.helpers.inventory import make_finding

    mapper = PolicyMapper(load_packs(["gdpr", "cybercon", "cybrid", "cyrus"]))
    kinds = [("EMAIL_ADDRESS", "user.contact.email"), ("HEALTH", "user.health"),
             ("PERSON", "user.name"), ("IP_ADDRESS", "user.device.ip_address"),
             ("RELIGION", "user.religion")]
    uris = ["file:///d/a.csv", "file:///d/box.pst#folder=Inbox/msg=3", "s3://b/x.eml",
            "mbox:///m/x.mbox#msg=1"]
    findings = []
    for (entity, category), uri, linked, kind in itertools.product(
            kinds, uris, (None, True, False), ("file", "mail", "s3")):
        findings.append(make_finding(entity, category, f"{entity}-{uri}", uri=uri,
                                     linked=linked, kind=kind))
    findings += findings[:20]  # repeats hit the memo
    got, want = mapper.map(findings), mapper.map_reference(findings)
    assert got == want
    assert len({f.clauses for f in got}) > 3  # several clause sets
