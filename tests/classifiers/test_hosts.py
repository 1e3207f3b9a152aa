"""Host names split by the public suffix list (:func:`classifiers.pii._split_host`), which the
e-mail and URL classifiers check a candidate's host with.

``_split_host`` reads publicsuffixlist's bundled list; it replaced tldextract (0.1 s of every
scan's start-up, for the requests and urllib3 imports). It must answer as tldextract did
(``_split_host_reference``): a table of expected answers, then the two compared on generated
hosts and on the hosts in the shared corpus."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from faker import Faker

from classifiers.pii import _split_host, _split_host_reference

CASES = [  # host, (fqdn, domain, suffix)
    ("example.com", ("example.com", "example", "com")),
    ("mail.example.co.uk", ("mail.example.co.uk", "example", "co.uk")),
    ("Example.Co.Uk", ("Example.Co.Uk", "Example", "Co.Uk")),
    ("EXAMPLE.COM", ("EXAMPLE.COM", "EXAMPLE", "COM")),
    ("example.com.", ("example.com", "example", "com")),
    ("  example.org ", ("example.org", "example", "org")),
    ("foo.bar.k12.ak.us", ("foo.bar.k12.ak.us", "bar", "k12.ak.us")),
    ("city.kawasaki.jp", ("city.kawasaki.jp", "city", "kawasaki.jp")),  # an exception rule
    ("foo.bar.kawasaki.jp", ("foo.bar.kawasaki.jp", "foo", "bar.kawasaki.jp")),  # a wildcard
    ("x.blogspot.com", ("x.blogspot.com", "blogspot", "com")),  # private section: not used
    ("пример.рф", ("пример.рф", "пример", "рф")),
    ("example.xn--p1ai", ("example.xn--p1ai", "example", "xn--p1ai")),
    ("example\u3002com", ("example.com", "example", "com")),
    ("a..b.com", ("a..b.com", "b", "com")),
    ("co.uk", ("", "", "co.uk")),
    (".com", ("", "", "com")),
    ("localhost", ("", "localhost", "")),
    ("example.local", ("", "local", "")),
    ("B.Sc", ("B.Sc", "B", "Sc")),  # .sc and .prof are top-level domains: the URL
    ("Univ.Prof", ("Univ.Prof", "Univ", "Prof")),  # classifier refuses such titles itself
    ("server.intranet", ("", "intranet", "")),
    ("1.2.3.4", ("", "1.2.3.4", "")),
    ("999.1.1.1", ("", "1", "")),
    ("", ("", "", "")),
]


@pytest.mark.parametrize(("host", "expected"), CASES)
def test_split_host_table(host: str, expected: tuple[str, str, str]) -> None:
    assert _split_host(host) == expected


@pytest.mark.parametrize(("host", "expected"), CASES)
def test_the_table_is_tldextracts_answer(host: str, expected: tuple[str, str, str]) -> None:
    assert _split_host_reference(host) == expected


def generated_hosts() -> set[str]:
    hosts: set[str] = set()
    for locale in ("en_US", "de_DE", "fr_FR", "ja_JP", "ru_RU", "zh_CN", "pt_BR", "en_GB",
                   "it_IT", "es_ES", "nl_NL", "pl_PL", "sv_SE", "ko_KR", "hi_IN", "tr_TR"):
        fake = Faker(locale)
        fake.seed_instance(7)
        for _ in range(150):
            hosts.update((fake.domain_name(), fake.free_email_domain(), fake.hostname(),
                          fake.email().rpartition("@")[2], fake.domain_name(3)))
    return hosts


def test_same_answer_as_tldextract_on_generated_hosts() -> None:
    hosts = generated_hosts()
    assert len(hosts) > 3000
    differ = {h: (_split_host(h), _split_host_reference(h)) for h in hosts
              if _split_host(h) != _split_host_reference(h)}
    assert differ == {}


HOST = re.compile(r"(?:@|https?://|www\.)([\w.-]*\w)")


def test_same_answer_as_tldextract_on_the_shared_corpus(shared_corpus: Path) -> None:
    hosts: set[str] = set()
    for path in shared_corpus.rglob("*"):
        if path.suffix.lower() in (".txt", ".csv", ".json", ".eml", ".md", ".tsv") and \
                path.is_file() and path.stat().st_size < 5_000_000:
            hosts.update(HOST.findall(path.read_text("utf-8", errors="replace")))
    assert len(hosts) > 100
    differ = {h: (_split_host(h), _split_host_reference(h)) for h in hosts
              if _split_host(h) != _split_host_reference(h)}
    assert differ == {}


def test_a_scan_no_longer_imports_tldextract_or_requests(tmp_path: Path) -> None:
    target = tmp_path / "t"
    target.mkdir()
    (target / "a.txt").write_text("Write to jane.doe@example.co.uk or see www.example.org\n")
    code = (
        "import sys\n"
        "from scanner.settings import Settings\n"
        "from scanner.pipeline import scan\n"
        "s = Settings().with_overrides(**{'workers': 1, 'classify.ner': False})\n"
        f"r = scan([{str(target)!r}], s, secret=b'k' * 32)\n"
        "print(sorted({f.entity for f in r.findings}))\n"
        "print('tldextract' in sys.modules, 'requests' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert "EMAIL_ADDRESS" in out[0] and "URL" in out[0]
    assert out[1] == "False False"
