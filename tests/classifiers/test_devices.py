"""Device and telemetry identifiers (classifiers/devices.py): positive and negative tables.

Each row is run twice: directly (candidates from ``re.finditer`` over the classifiers' own
patterns, as a multi-pattern engine would hand them over) and end to end through
``Engine(ClassifySettings(ner=False))`` with both pattern back ends.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
import yaml

from classifiers import devices
from classifiers.base import Candidate, PatternClassifier
from classifiers.engine import Engine
from classifiers.patterns import hyperscan_available
from scanner.models import Detection, Location, TextUnit
from scanner.settings import ClassifySettings

MIN_SCORE = ClassifySettings().min_score
INSTANCES = [cls() for cls in devices.CLASSIFIERS]
ENTITIES = {e for c in INSTANCES for e in c.entities}


def unit(text: str, kind: str = "log", field: str | None = None) -> TextUnit:
    return TextUnit(Location("mem://test", 1, field), text, kind)  # type: ignore[arg-type]


def detect(u: TextUnit) -> list[Detection]:
    """Run the device classifiers alone, the way the engine does, keeping scores >= min_score."""
    out: list[Detection] = []
    for c in INSTANCES:
        if isinstance(c, PatternClassifier):
            for p in c.patterns:
                rx = re.compile(p.regex, re.IGNORECASE if p.ignore_case else 0)
                for m in rx.finditer(u.text):
                    d = c.validate(Candidate(p, u, m.start(), m.end()))
                    if d is not None:
                        out.append(d)
        else:
            out.extend(c.classify(u, tuple(out)))
    return [d for d in out if d.score >= MIN_SCORE]


def values(dets: list[Detection], u: TextUnit, entity: str) -> list[str]:
    return sorted({u.text[d.start : d.end] for d in dets if d.entity == entity})


@pytest.fixture(scope="module", params=["re", "hyperscan"])
def engine(request: pytest.FixtureRequest) -> Engine:
    if request.param == "hyperscan" and not hyperscan_available():
        pytest.skip("hyperscan not installed")
    return Engine(ClassifySettings(ner=False), use_hyperscan=request.param == "hyperscan")


CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")

# (entity, text, unit kind, field, the values that must be found: [] = nothing of that entity)
CASES = [
    # IP_ADDRESS
    ("IP_ADDRESS", "client 203.0.113.7 connected", "log", None, ["203.0.113.7"]),
    ("IP_ADDRESS", "from 2001:db8::8a2e:370:7334 port 22", "log", None, ["2001:db8::8a2e:370:7334"]),
    ("IP_ADDRESS", "route 10.0.0.0/8 via fe80::1%eth0", "log", None, ["10.0.0.0/8", "fe80::1%eth0"]),
    ("IP_ADDRESS", "mapped ::ffff:192.0.2.1 only once", "log", None, ["::ffff:192.0.2.1"]),
    ("IP_ADDRESS", "10.0.0.0/123", "log", None, ["10.0.0.0"]),
    ("IP_ADDRESS", "Windows 10.0.19045.4170 installed", "log", None, []),
    ("IP_ADDRESS", "version 1.2.3.4.5", "log", None, []),
    ("IP_ADDRESS", "as in 1.2.3.4 above", "prose", None, []),  # scores 0.3 without network words
    ("IP_ADDRESS", "dns server 1.1.1.1", "prose", None, ["1.1.1.1"]),
    ("IP_ADDRESS", "see section 2.4.1.3 for details", "prose", None, []),
    ("IP_ADDRESS", "OID 2.5.4.3 is commonName", "prose", None, []),
    ("IP_ADDRESS", "999.1.1.1", "log", None, []),
    ("IP_ADDRESS", "Chrome/120.0.0.0 Safari/537.36", "log", None, []),
    ("IP_ADDRESS", "std::cout << v[::2];", "prose", None, []),
    ("IP_ADDRESS", "at 12:34:56 ratio 1:2:3:4", "log", None, []),
    # MAC_ADDRESS
    ("MAC_ADDRESS", "wlan0 ether 3c:22:fb:1a:2b:3c", "log", None, ["3c:22:fb:1a:2b:3c"]),
    ("MAC_ADDRESS", "hw 3C-22-FB-1A-2B-3C", "log", None, ["3C-22-FB-1A-2B-3C"]),
    ("MAC_ADDRESS", "Cisco MAC 0012.3456.789a", "log", None, ["0012.3456.789a"]),
    ("MAC_ADDRESS", "a1:b2:c3:d4:e5:f6", "value", "hwaddr", ["a1:b2:c3:d4:e5:f6"]),
    ("MAC_ADDRESS", "mac 00:00:00:00:00:00", "log", None, []),
    ("MAC_ADDRESS", "mac ff:ff:ff:ff:ff:ff", "log", None, []),
    ("MAC_ADDRESS", "SHA1 Fingerprint=12:34:56:78:9A:BC:DE:F0:12:34:56:78", "log", None, []),
    ("MAC_ADDRESS", "md5 digest 01:23:45:67:89:ab", "log", None, []),
    ("MAC_ADDRESS", "phone 0123.4567.8901", "log", None, []),
    ("MAC_ADDRESS", "mixed 10:2F:33-AC-29-C3", "log", None, []),
    # IMEI
    ("IMEI", "IMEI: 490154203237518", "log", None, ["490154203237518"]),
    ("IMEI", "handset 35-209900-176148-1", "log", None, ["35-209900-176148-1"]),
    ("IMEI", "352099001761481", "value", "imei", ["352099001761481"]),
    ("IMEI", "imei 490154203237519", "log", None, []),  # fails Luhn
    ("IMEI", "ref 123456789012347", "log", None, []),  # Luhn ok, no RBI prefix, no context
    ("IMEI", "card 378282246310005", "log", None, []),  # Amex, not an IMEI
    ("IMEI", "imsi 234150999999999 attached", "log", None, []),
    ("IMEI", "IMEISV 3520990017614823", "log", None, ["3520990017614823"]),
    ("IMEI", "order 3520990017614823", "log", None, []),
    # DEVICE_ID
    ("DEVICE_ID", "advertising_id=38400000-8cf0-11bd-b23e-10b96e40000d", "log", None,
     ["38400000-8cf0-11bd-b23e-10b96e40000d"]),
    ("DEVICE_ID", '{"android_id": "9774d56d682e549c"}', "log", None, ["9774d56d682e549c"]),
    ("DEVICE_ID", "X-Device-Id: a1b2c3d4e5f60718", "log", None, ["a1b2c3d4e5f60718"]),
    ("DEVICE_ID", "serial_number: C02XK1ZJJG5H", "log", None, ["C02XK1ZJJG5H"]),
    ("DEVICE_ID", "The user's IDFA is 6D92078A-8246-4BA4-AE5B-76104861E7DC.", "prose", None,
     ["6D92078A-8246-4BA4-AE5B-76104861E7DC"]),
    ("DEVICE_ID", "installationId=f3c9a2b4-1d2e-4f50-8a6b-7c8d9e0f1a2b", "log", None,
     ["f3c9a2b4-1d2e-4f50-8a6b-7c8d9e0f1a2b"]),
    ("DEVICE_ID", "C02XK1ZJJG5H", "value", "serialNumber", ["C02XK1ZJJG5H"]),
    ("DEVICE_ID", "38400000-8cf0-11bd-b23e-10b96e40000d", "value", "gaid",
     ["38400000-8cf0-11bd-b23e-10b96e40000d"]),
    ("DEVICE_ID", "request 38400000-8cf0-11bd-b23e-10b96e40000d done", "log", None, []),
    ("DEVICE_ID", "request_id=38400000-8cf0-11bd-b23e-10b96e40000d", "log", None, []),
    ("DEVICE_ID", "38400000-8cf0-11bd-b23e-10b96e40000d", "value", "order_id", []),
    ("DEVICE_ID", "idfa=00000000-0000-0000-0000-000000000000", "log", None, []),
    ("DEVICE_ID", "install_date=20240101 device_model=Pixel7", "log", None, []),
    ("DEVICE_ID", "device_id: unknown", "log", None, []),
    ("DEVICE_ID", "commit d41d8cd98f00b204e9800998ecf8427e", "log", None, []),
    # COOKIE_ID
    ("COOKIE_ID", "Cookie: sessionid=8f3b2c1d9e; lang=en; _ga=GA1.2.1234567890.1700000000",
     "log", None, ["8f3b2c1d9e", "GA1.2.1234567890.1700000000"]),
    ("COOKIE_ID", "Set-Cookie: sid=31d4d96e407aad42; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
     "log", None, ["31d4d96e407aad42"]),
    ("COOKIE_ID", '{"headers": {"cookie": "uid=u-77129a; theme=dark"}}', "log", None, ["u-77129a"]),
    ("COOKIE_ID", ".example.com\tTRUE\t/\tFALSE\t1735689600\tsessionid\t8f3b2c1d9e77", "log", None,
     ["8f3b2c1d9e77"]),
    ("COOKIE_ID", "csrftoken=Zx81kLq02mN5; sid=998877aa", "value", "cookie",
     ["998877aa", "Zx81kLq02mN5"]),
    ("COOKIE_ID", "We use cookies to improve your experience.", "prose", None, []),
    ("COOKIE_ID", "Cookie: a small text file stored by the browser.", "prose", None, []),
    ("COOKIE_ID", "Cookie: consent=dismiss; lang=en", "log", None, []),
    # USER_AGENT
    ("USER_AGENT", f'1.2.3.4 - - [01/Mar/2024:10:02:11 +0000] "GET / HTTP/1.1" 200 5 "-" "{CHROME}"',
     "log", None, [CHROME]),
    ("USER_AGENT", "User-Agent: Dalvik/2.1.0 (Linux; U; Android 11; Pixel 5 Build/RQ3A.210805.001)",
     "log", None, ["Dalvik/2.1.0 (Linux; U; Android 11; Pixel 5 Build/RQ3A.210805.001)"]),
    ("USER_AGENT", "Browsers still send Mozilla/5.0 (Windows NT 10.0; Win64) for compatibility.",
     "prose", None, []),
    ("USER_AGENT", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
     "log", None, []),
    ("USER_AGENT", "Firefox is made by Mozilla/Foundation people", "prose", None, []),
]


@pytest.mark.parametrize(("entity", "text", "kind", "field", "expected"), CASES)
def test_device_classifiers(
    entity: str, text: str, kind: str, field: str | None, expected: list[str]
) -> None:
    u = unit(text, kind, field)
    assert values(detect(u), u, entity) == sorted(expected)


@pytest.mark.parametrize(("entity", "text", "kind", "field", "expected"), CASES)
def test_device_classifiers_end_to_end(
    engine: Engine, entity: str, text: str, kind: str, field: str | None, expected: list[str]
) -> None:
    u = unit(text, kind, field)
    (dets,) = engine.analyze([u])
    got = values(dets, u, entity)
    if entity == "IMEI" and expected:  # a 15-digit Luhn number may lose to PII-CARD
        assert got == sorted(expected) or values(dets, u, "CREDIT_CARD") == sorted(expected)
    else:
        assert got == sorted(expected)


def test_explanations_name_evidence_not_values() -> None:
    u = unit("Cookie: sessionid=8f3b2c1d9e; _ga=GA1.2.1234567890.1700000000\n"
             "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.0 Safari/605.1.15\nAccept-Language: fr-FR,fr;q=0.9")
    dets = detect(u)
    cookies = [d for d in dets if d.entity == "COOKIE_ID"]
    assert {d.explanation.rpartition("cookie ")[2] for d in cookies} == {"'sessionid'", "'_ga'"}
    (ua,) = [d for d in dets if d.entity == "USER_AGENT"]
    assert dict(ua.attributes) == {"browser": "Safari", "os": "macOS", "language": "fr-FR"}
    for d in dets:
        assert d.value not in d.explanation
        assert d.value == u.text[d.start : d.end]


def test_ip_attributes_and_scores() -> None:
    u = unit("src=192.168.1.20 dst=8.8.8.8", "log")
    by_value = {u.text[d.start : d.end]: d for d in detect(u)}
    assert by_value["192.168.1.20"].attributes["scope"] == "private"
    assert by_value["8.8.8.8"].attributes["scope"] == "global"
    assert all(d.score > 0.8 for d in by_value.values())  # network words raise the score


def test_categories_match_taxonomy() -> None:
    tax = yaml.safe_load(resources.files("config").joinpath("taxonomy.yaml").read_text())
    for c in INSTANCES:
        for entity, category in c.entities.items():
            assert tax["entities"][entity]["category"] == category
            assert category.startswith("user.device")
    ids = [c.id for c in INSTANCES]
    assert len(ids) == len(set(ids)) and all(i.startswith("DEV-") for i in ids)


def test_luhn() -> None:
    assert devices.luhn_ok("490154203237518")
    assert not devices.luhn_ok("490154203237519")


# ------------------------------------------------------------------------------- peer corpora
def _peer_cases(corpus) -> list[tuple[str, str, str, list[list[int]] | None, int]]:
    """(entity, text, kind, expected spans or None, expected count) for our entities."""
    cases = []
    for line in (corpus / "peer" / "presidio_recognizer_cases.jsonl").read_text().splitlines():
        c = json.loads(line)
        ents = c.get("entities") or []
        if len(ents) == 1 and ents[0] in ENTITIES:
            cases.append((ents[0], c["text"], "prose", c["expected_spans"] or None,
                          c["expected_len"]))
    labels = {"ip": "IP_ADDRESS", "mac": "MAC_ADDRESS"}
    for line in (corpus / "peer" / "peer_detector_cases.jsonl").read_text().splitlines():
        c = json.loads(line)
        if c["kind"] != "value":
            continue
        if c["label"] in labels:
            cases.append((labels[c["label"]], c["input"], "value", None, 1 if c["expect"] else 0))
        elif c["label"] is None and not c["expect"]:  # "matches nothing at all"
            for entity in sorted(ENTITIES):
                cases.append((entity, c["input"], "value", None, 0))
    return cases


@pytest.mark.corpus
def test_peer_cases_pass_rate(shared_corpus) -> None:
    cases = _peer_cases(shared_corpus)
    assert len(cases) > 130
    failures = []
    for entity, text, kind, spans, count in cases:
        u = unit(text, kind)
        got = sorted({(d.start, d.end) for d in detect(u) if d.entity == entity})
        ok = len(got) == count and (spans is None or got == sorted(map(tuple, spans)))
        if not ok:
            failures.append((entity, text, got, spans, count))
    rate = 1 - len(failures) / len(cases)
    print(f"peer cases: {len(cases) - len(failures)}/{len(cases)} pass ({rate:.1%})")
    for f in failures:
        print("  fail:", f)
    assert rate >= 0.95, failures


def test_patterns_compile_in_hyperscan() -> None:
    """Every device pattern goes into the hyperscan database (none falls back to a re pass)."""
    if not hyperscan_available():
        pytest.skip("hyperscan not installed")
    from classifiers.patterns import PatternSet

    patterns = [p for c in INSTANCES if isinstance(c, PatternClassifier) for p in c.patterns]
    ps = PatternSet(patterns, use_hyperscan=True)
    ps.matches("warm up 203.0.113.7")
    assert ps._re_only == ()  # the property under test
