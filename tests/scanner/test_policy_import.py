"""Drafting a pack from a policy's text, measured against the hand-made packs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from scanner.cli import main
from scanner.policy import load_pack, parse_pack
from scanner.policy_import import draft_clauses, draft_pack, keyword_table, overlap

# Floors measured on the three policies (precision, recall of (clause, category) pairs), with
# a small margin: cybercon 0.78 / 0.76, cybrid 0.55 / 1.00, cyrus 1.00 / 1.00.
FLOORS = {
    "cybercon": ("cybercon-safe-harbor-policy.txt", 0.75, 0.75),
    "cybrid": ("cybrid-privacy-policy.txt", 0.50, 0.95),
    "cyrus": ("cyrus-customer-information-policy.txt", 0.95, 0.95),
}


@pytest.mark.parametrize("pack_id", sorted(FLOORS))
def test_draft_comes_close_to_the_hand_made_pack(shared_policies: Path, pack_id: str) -> None:
    name, min_precision, min_recall = FLOORS[pack_id]
    text = (shared_policies / name).read_text(encoding="utf-8")
    result = overlap(draft_clauses(text), load_pack(pack_id))
    assert result.draft_pairs > 0
    assert result.precision >= min_precision, result
    assert result.recall >= min_recall, result


@pytest.mark.parametrize("name", [v[0] for v in FLOORS.values()])
def test_draft_is_a_valid_pack_with_verbatim_quotes(shared_policies: Path, name: str) -> None:
    text = (shared_policies / name).read_text(encoding="utf-8")
    data = draft_pack(text, "draft", source=name)
    pack = parse_pack(yaml.safe_load(yaml.safe_dump(data)), "draft")
    flat = " ".join(text.split())
    for clause in pack.clauses:
        assert clause.rules
        assert " ".join(clause.quote.split()).removesuffix(" …") in flat
    assert len({c.id for c in pack.clauses}) == len(pack.clauses)


@pytest.mark.parametrize(
    ("sentence", "category", "expected"),
    [
        ("We store your e-mail address.", "user.contact.email", True),
        ("Your IP address is logged.", "user.device.ip_address", True),
        ("Your IP address is logged.", "user.contact.address", False),  # near-miss
        ("We use cookies and pixel tags.", "user.device.cookie_id", True),
        ("time and date of calls, duration of calls", "user.behavior.telephony_log", True),
        ("We keep your credit card data.", "user.financial.credit_card", True),
        ("We respond to system monitoring or health requests.", "user.health", False),
        ("data that concerns an individual's health", "user.health", True),
        ("your domain name and hosting plan", "user.name", False),
        ("like your name and email", "user.name", True),
        ("members of a trade union", "user.demographic.union_membership", True),
        ("We track unique device identifiers.", "user.device.device_id", True),
        ("We record your gender and date of birth.", "user.demographic.gender", True),
        ("data concerning a person's sex life", "user.demographic.gender", False),
        ("registered sex offenders", "user.demographic.gender", False),
    ],
)
def test_keyword_table(sentence: str, category: str, expected: bool) -> None:
    found = {c for kw in keyword_table() if kw.pattern.search(sentence) for c in kw.categories}
    assert (category in found) is expected


def test_headings_title_the_clauses_and_silent_paragraphs_are_dropped() -> None:
    text = ("Acme Policy\n\nCookies\nWe set cookies on your browser.\n\n"
            "Our mission\nWe like good software.\n")
    clauses = draft_clauses(text)
    assert [(c.id, c.title) for c in clauses] == [("cookies", "Cookies")]
    assert clauses[0].quote == "We set cookies on your browser."
    assert list(clauses[0].categories) == ["user.device.cookie_id"]


def test_cli_import_writes_a_draft_that_loads(tmp_path: Path) -> None:
    policy = tmp_path / "acme policy.txt"
    policy.write_text("Acme Privacy Policy\n\nWhat we collect\n"
                      "We collect your name, email address and IP address.\n")
    out = tmp_path / "acme.yaml"
    res = CliRunner().invoke(main, ["policy", "import", str(policy), "--id", "acme", "-o",
                                    str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("# DRAFT")
    pack = load_pack(str(out))
    assert pack.id == "acme" and pack.title == "Acme Privacy Policy"
    cats = {r.category for r in pack.clauses[0].rules}
    assert cats == {"user.name", "user.contact.email", "user.device.ip_address"}


def test_cli_import_of_a_text_without_personal_data_explains(tmp_path: Path) -> None:
    policy = tmp_path / "p.txt"
    policy.write_text("Terms\n\nBe nice to each other.\n")
    res = CliRunner().invoke(main, ["policy", "import", str(policy)])
    assert res.exit_code != 0
    assert "names personal data" in res.output


def test_cli_policy_list_and_show() -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["policy", "list"])
    assert res.exit_code == 0
    for pid in ("gdpr", "cybercon", "cybrid", "cyrus"):
        assert pid in res.output
    res = runner.invoke(main, ["policy", "show", "cybrid", "--format", "json"])
    assert res.exit_code == 0
    ids = [c["id"] for c in yaml.safe_load(res.output)["clauses"]]
    assert "device-information" in ids and "telephony-log-information" in ids
    res = runner.invoke(main, ["policy", "show", "nope"])
    assert res.exit_code != 0 and "use one of" in res.output
