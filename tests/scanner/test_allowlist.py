"""Allow-lists: listed values are never reported, whatever their spelling; only keyed hashes are
kept; what was allowed is counted in the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.allowlist import AllowList, AllowListError, read_values
from scanner.cli import main
from scanner.models import Finding, Location, Severity
from scanner.pipeline import scan
from scanner.redact import mask, value_hash
from scanner.settings import load_settings

SECRET = b"a" * 32
LISTED = ["4111 1111 1111 1111", "+44 20 7946 0000", "Privacy@Example.org", "GB82 WEST 1234 5698 7654 32"]


def f(entity: str, value: str) -> Finding:
    return Finding(Location("file:///d/a.txt", 1), entity, "user", 0.9, Severity.HIGH, "T", "",
                   mask(entity, value), value_hash(SECRET, entity, value))


@pytest.mark.parametrize(("entity", "value", "allowed"), [
    ("CREDIT_CARD", "4111 1111 1111 1111", True),
    ("CREDIT_CARD", "4111-1111-1111-1111", True),  # same digits, other spelling
    ("CREDIT_CARD", "5500 0000 0000 0004", False),
    ("PHONE_NUMBER", "+44 20 7946 0000", True),
    ("PHONE_NUMBER", "+442079460000", True),
    ("PHONE_NUMBER", "+44 20 7946 0958", False),
    ("EMAIL_ADDRESS", "privacy@example.org", True),  # case does not matter
    ("EMAIL_ADDRESS", "jane.roe@example.org", False),
    ("IBAN_CODE", "GB82WEST12345698765432", True),
    ("PERSON", "Privacy", False),  # a part of a listed value is not listed
])
def test_listed_values_match_in_every_spelling(entity: str, value: str, allowed: bool) -> None:
    allow = AllowList.from_values(LISTED, SECRET)
    assert allow.allows(f(entity, value)) is allowed


def test_hashes_depend_on_the_secret_and_no_clear_value_is_kept(tmp_path: Path) -> None:
    a = AllowList.from_values(LISTED, SECRET)
    b = AllowList.from_values(LISTED, b"b" * 32)
    assert a.hashes.isdisjoint(b.hashes)
    kept = repr(vars(a))
    for v in LISTED:
        assert v not in kept and v.replace(" ", "") not in kept and v.lower() not in kept
    assert all(len(h) == 64 for h in a.hashes)


def test_filter_counts_what_it_leaves_out() -> None:
    allow = AllowList.from_values(LISTED, SECRET)
    fs = [f("CREDIT_CARD", "4111111111111111"), f("EMAIL_ADDRESS", "jane@example.org"),
          f("EMAIL_ADDRESS", "PRIVACY@example.org")]
    assert [x.entity for x in allow.filter(fs)] == ["EMAIL_ADDRESS"]
    assert allow.allowed == 2


def test_file_format(tmp_path: Path) -> None:
    p = tmp_path / "allow.txt"
    p.write_text("# QA cards\n\n4111 1111 1111 1111\n  +44 20 7946 0000   # switchboard\n")
    assert read_values(p) == ["4111 1111 1111 1111", "+44 20 7946 0000"]


@pytest.mark.parametrize(("content", "where"), [
    (b"ok\n\xff\xfe bad\n", ":2:"),
    (b"ok\nnul\x00here\n", ":2:"),
    (b"x" * 2000 + b"\n", ":1:"),
])
def test_bad_files_name_the_line(tmp_path: Path, content: bytes, where: str) -> None:
    p = tmp_path / "allow.txt"
    p.write_bytes(content)
    with pytest.raises(AllowListError, match=where):
        read_values(p)


@pytest.fixture
def share(tmp_path: Path) -> Path:
    d = tmp_path / "share"
    d.mkdir()
    (d / "qa.txt").write_text("QA test card 4111 1111 1111 1111, call +44 20 7946 0000,\n"
                              "write to privacy@example.org or jane.roe@example.org\n")
    (d / "orders.csv").write_text("name,card\nJane Roe,4111-1111-1111-1111\n"
                                  "Rahul Mehta,5500 0000 0000 0004\n")
    return d


def test_pipeline_leaves_allowed_values_out_and_counts_them(share: Path, tmp_path: Path) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text("\n".join(LISTED) + "\n")
    base = load_settings().with_overrides(workers=1, **{"classify.ner": False})
    before = scan([str(share)], base, secret=SECRET)
    after = scan([str(share)], base.with_overrides(**{"classify.allow_list": str(allow)}),
                 secret=SECRET)
    allowed = AllowList.load(allow, SECRET)
    gone = [x for x in before.findings if allowed.allows(x)]
    assert len(gone) >= 3  # two cards and the role mailbox at least
    assert sorted(map(repr, after.findings)) == sorted(
        repr(x) for x in before.findings if not allowed.allows(x))
    assert after.info.allowed == len(gone) and before.info.allowed == 0
    assert "CREDIT_CARD" in {x.entity for x in after.findings}  # the other card is still found


def test_pipeline_with_two_workers_agrees(share: Path, tmp_path: Path) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text("\n".join(LISTED) + "\n")
    s = load_settings().with_overrides(**{"classify.ner": False, "classify.allow_list": str(allow)})
    one = scan([str(share)], s.with_overrides(workers=1), secret=SECRET)
    two = scan([str(share)], s.with_overrides(workers=2), secret=SECRET)
    assert sorted(map(repr, one.findings)) == sorted(map(repr, two.findings))
    assert one.info.allowed == two.info.allowed > 0


def test_cli_allow_list_option_and_summary(share: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIISCOUT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "100")
    allow = tmp_path / "allow.txt"
    allow.write_text("4111 1111 1111 1111\n")
    args = ["scan", str(share), "--no-ner", "--workers", "1", "--no-inventory"]
    res = CliRunner().invoke(main, [*args, "--allow-list", str(allow)])
    assert res.exit_code == 0, res.output
    assert "2 allow-listed values not reported." in " ".join(res.output.split())
    res = CliRunner().invoke(main, [*args, "--allow-list", str(allow), "--format", "json"])
    cards = [x for x in json.loads(res.stdout)["findings"] if x["entity"] == "CREDIT_CARD"]
    assert [c["preview"] for c in cards] == ["**** **** **** 0004"]
    assert json.loads(res.stdout)["scan"]["allowed"] == 2
    assert "4111" not in res.stdout
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\n")
    res = CliRunner().invoke(main, [*args, "--allow-list", str(bad)])
    assert res.exit_code == 2 and f"{bad}:1" in res.output


def test_pipeline_on_a_local_cluster_agrees(share: Path, tmp_path: Path) -> None:
    """The allow-list holds on a Dask cluster too (applied on the client, as on one machine)."""
    pytest.importorskip("distributed")
    allow = tmp_path / "allow.txt"
    allow.write_text("\n".join(LISTED) + "\n")
    s = load_settings().with_overrides(**{"classify.ner": False, "classify.allow_list": str(allow)})
    one = scan([str(share)], s.with_overrides(workers=1), secret=SECRET)
    cluster = scan([str(share)], s, secret=SECRET, cluster="local:1")
    assert sorted(map(repr, one.findings)) == sorted(map(repr, cluster.findings))
    assert one.info.allowed == cluster.info.allowed > 0
