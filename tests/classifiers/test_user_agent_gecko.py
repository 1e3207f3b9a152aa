"""Firefox user agents as Faker's default provider writes them ("rv:1.9.2.20) Gecko/7592-04-26
09:13:20.546906 Firefox/3.6.20"): the Gecko revision after ``rv:`` is not an IP address, and the
build date's time does not end the user agent. Real ones ("Gecko/20100101 Firefox/91.0") are
read as before."""

from __future__ import annotations

import pytest

from classifiers.devices.network import IpAddressClassifier
from classifiers.devices.web import UserAgentClassifier
from tests.helpers.classify import BACKENDS, found

FAKER_FF = ("Mozilla/5.0 (X11; Linux i686; rv:1.9.5.20) Gecko/7080-07-10 01:18:17.778442 "
            "Firefox/3.6.17")
REAL_FF = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:91.0) Gecko/20100101 Firefox/91.0"
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "expected"), [
    (f'"GET / HTTP/1.1" 200 512 "-" "{FAKER_FF}"', [FAKER_FF]),
    (f'ua="{REAL_FF}"', [REAL_FF]),
    (f"agent: {CHROME}", [CHROME]),
    # a time not followed by another token is not part of the agent
    ("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 12:00:01", ["Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101"]),
])
def test_user_agents(text: str, expected: list[str], backend: str) -> None:
    assert found(UserAgentClassifier, text, backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "expected"), [
    (FAKER_FF, []),  # rv:1.9.5.20 is a revision
    ("Mozilla/5.0 (Windows 98; doi-IN; rv:1.9.0.20) Gecko/2515-10-04", []),
    ("client 203.0.113.9 connected", ["203.0.113.9"]),
    ("logged in from 198.51.100.20 via vpn", ["198.51.100.20"]),
    ("rv 203.0.113.9 is the router's address", ["203.0.113.9"]),  # "rv" without the colon
])
def test_revisions_are_not_ips(text: str, expected: list[str], backend: str) -> None:
    assert found(IpAddressClassifier, text, backend) == expected
