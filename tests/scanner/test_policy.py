"""Policy packs: validation, rule semantics, and the mapping of findings to clauses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scanner.models import Finding, Location, Severity
from scanner.policy import (
    PolicyError,
    PolicyMapper,
    Rule,
    available_packs,
    known_categories,
    load_pack,
    load_packs,
)
from tests.helpers.paths import CONFIG

SEED = ("cybercon", "cybrid", "cyrus")


def finding(entity: str, category: str, linked: bool | None = None, kind: str = "file") -> Finding:
    return Finding(
        location=Location("file:///data/x.csv", 1, "col"), entity=entity, category=category,
        score=0.9, severity=Severity.HIGH, detector="T", explanation="test", preview="x***",
        value_hash="h" * 64, linked=linked, source_kind=kind,
    )


@pytest.fixture(scope="module")
def mapper() -> PolicyMapper:
    return PolicyMapper(load_packs(SEED))


def test_shipped_packs_are_the_four_and_validate() -> None:
    assert available_packs() == ["cybercon", "cybrid", "cyrus", "gdpr"]
    packs = load_packs(available_packs())
    assert all(any(c.rules for c in p.clauses) for p in packs)


@pytest.mark.parametrize(
    ("entity", "category", "linked", "kind", "expected", "absent"),
    [
        # a linked HEALTH record: Cybercon's SPI definition and its choice/consent clause
        ("HEALTH", "user.health", True, "file",
         {"cybercon/sensitive-personal-information", "cybercon/choice",
          "cybrid/sharing-with-consent"}, {"cyrus/customer-information"}),
        # the same words not tied to a person are not sensitive personal information
        ("HEALTH", "user.health", False, "file", set(),
         {"cybercon/sensitive-personal-information", "cybercon/choice"}),
        ("IMEI", "user.device.device_id", None, "file", {"cybrid/device-information"},
         {"cybrid/cookies", "cybercon/personal-information"}),
        ("CALL_RECORD", "user.behavior.telephony_log", None, "file",
         {"cybrid/telephony-log-information", "cyrus/customer-records"},
         {"cybrid/device-information"}),
        ("CREDIT_CARD", "user.financial.credit_card", None, "file",
         {"cyrus/customer-information", "cybercon/personal-information"},
         {"cybrid/information-you-give-us"}),
        ("COOKIE_ID", "user.device.cookie_id", None, "file", {"cybrid/cookies", "cyrus/cookies"},
         {"cybrid/device-information", "cybrid/device-event-information"}),
        # exact rule: a user agent (user.device) is device information, a cookie is not
        ("USER_AGENT", "user.device", None, "file",
         {"cybrid/device-information", "cybrid/device-event-information"}, {"cybrid/cookies"}),
        # source-kind rule: anything in a mailbox falls under CYRUS's stored-communications clause
        ("IP_ADDRESS", "user.device.ip_address", None, "mail",
         {"cyrus/communications", "cybrid/internet-protocol-address"}, set()),
        ("IP_ADDRESS", "user.device.ip_address", None, "file",
         {"cybrid/internet-protocol-address"}, {"cyrus/communications"}),
    ],
)
def test_findings_map_to_clauses(
    mapper: PolicyMapper, entity: str, category: str, linked: bool | None, kind: str,
    expected: set[str], absent: set[str],
) -> None:
    clauses = set(mapper.clauses_for(finding(entity, category, linked, kind)))
    assert expected <= clauses
    assert not (absent & clauses)
    if not expected:
        assert clauses == set()


def test_map_returns_copies_with_clauses(mapper: PolicyMapper) -> None:
    f = finding("COOKIE_ID", "user.device.cookie_id")
    (mapped,) = mapper.map([f])
    assert f.clauses == ()
    assert mapped.clauses == mapper.clauses_for(f)
    assert mapped.value_hash == f.value_hash


def test_gdpr_pack_articles() -> None:
    m = PolicyMapper(load_packs(["gdpr"]))
    assert m.clauses_for(finding("EMAIL_ADDRESS", "user.contact.email")) == ("gdpr/art-4-1",)
    assert set(m.clauses_for(finding("GENETIC", "user.health.genetic", True))) == {
        "gdpr/art-4-1", "gdpr/art-9"}
    assert "gdpr/art-10" in m.clauses_for(finding("CRIMINAL_RECORD", "user.criminal_history", True))
    assert "gdpr/art-10" not in m.clauses_for(
        finding("CRIMINAL_RECORD", "user.criminal_history", False))


@pytest.mark.parametrize(
    ("rule", "category", "linked", "kind", "ok"),
    [
        (Rule(category="user.device"), "user.device.cookie_id", None, "file", True),
        (Rule(category="user.device"), "user.devices", None, "file", False),  # not a child
        (Rule(category="user.device", exact=True), "user.device.cookie_id", None, "file", False),
        (Rule(category="user.device", exact=True), "user.device", None, "file", True),
        (Rule(category="user.health", linked=True), "user.health", None, "file", False),
        (Rule(category="user.health", linked=True), "user.health", True, "file", True),
        (Rule(category="user.health", linked=False), "user.health", True, "file", False),
        (Rule(category="user", source_kinds=("mail",)), "user.name", None, "mail", True),
        (Rule(category="user", source_kinds=("mail",)), "user.name", None, "s3", False),
    ],
)
def test_rule_semantics(rule: Rule, category: str, linked: bool | None, kind: str,
                        ok: bool) -> None:
    assert rule.matches(category, linked, kind) is ok


def test_unknown_category_names_pack_clause_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({
        "id": "acme", "title": "Acme", "clauses": [
            {"id": "ok", "title": "t", "quote": "q", "rules": [{"category": "user.name"}]},
            {"id": "cookies", "title": "t", "quote": "q",
             "rules": [{"category": "user.device.cookies"}]},
        ]}))
    with pytest.raises(PolicyError) as err:
        load_pack(str(bad))
    assert "acme" in str(err.value)
    assert "cookies" in str(err.value)
    assert "'user.device.cookies'" in str(err.value)


@pytest.mark.parametrize(
    ("clauses", "message"),
    [
        ([{"id": "a", "title": "t", "quote": "q", "rules": [{"category": "user.name",
                                                             "source_kinds": ["ftp"]}]}], "ftp"),
        ([{"id": "A B", "title": "t", "quote": "q"}], "clause id"),
        ([{"id": "a", "title": "t", "quote": "q", "extra": 1}], "extra"),
        ([], "clauses"),
        ([{"id": "a", "title": "t", "quote": "q"}, {"id": "a", "title": "t", "quote": "q"}],
         "twice"),
    ],
)
def test_invalid_packs_are_rejected(tmp_path: Path, clauses: list[object], message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"id": "p", "title": "P", "clauses": clauses}))
    with pytest.raises(PolicyError, match=message):
        load_pack(str(path))


def test_unknown_pack_id_says_what_exists() -> None:
    with pytest.raises(PolicyError, match="cybercon, cybrid, cyrus, gdpr"):
        load_packs(["nope"])
    with pytest.raises(PolicyError, match="twice"):
        load_packs(["gdpr", "gdpr"])
    with pytest.raises(PolicyError):
        load_pack("_keywords")  # data, not a pack


def test_known_categories_include_parents() -> None:
    known = known_categories()
    assert {"user", "user.device", "user.device.cookie_id", "user.behavior.telephony_log"} <= known
    assert "user.device.cookies" not in known


def test_quotes_are_verbatim_from_the_policies(shared_policies: Path) -> None:
    """A DPO must be able to find every quotation in the policy it came from."""
    for pack in load_packs(SEED):
        text = " ".join((shared_policies / pack.source).read_text(encoding="utf-8").split())
        for clause in pack.clauses:
            quote = " ".join(clause.quote.split())
            assert quote in text, f"{pack.id}/{clause.id}"


def test_every_category_in_the_taxonomy_is_covered_by_gdpr() -> None:
    gdpr = PolicyMapper(load_packs(["gdpr"]))
    text = CONFIG.joinpath("taxonomy.yaml").read_text()
    for category in set(re.findall(r"category: ([\w.]+)", text)):
        assert "gdpr/art-4-1" in gdpr.clauses_for_category(category), category
