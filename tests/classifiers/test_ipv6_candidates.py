"""IPv6 candidates: a pattern that needs eight groups, six and an IPv4 tail, or a "::" (every
textual address has one of them), against the wider one it replaced (two colons and more: every
time of day was a candidate). The addresses found are the same, or more where a wide non-address
swallowed the start of a real one."""

from __future__ import annotations

import random
from typing import ClassVar

import pytest

from classifiers.base import Pattern
from classifiers.devices import network
from classifiers.devices.network import IpAddressClassifier
from classifiers.engine import Engine
from scanner.models import Location, TextUnit
from scanner.settings import ClassifySettings
from tests.helpers.classify import BACKENDS


class WideCandidates(IpAddressClassifier):
    """The classifier with the IPv6 candidate pattern as it was (the reference)."""

    patterns: ClassVar[tuple[Pattern, ...]] = (
        IpAddressClassifier.patterns[0],
        Pattern("ipv6", network._V6 + r"(?:%[0-9A-Za-z_.]{1,15})?(?:/[0-9]{1,3})?",
                "IP_ADDRESS", 0.6),
    )


def _found(cls: type, texts: list[str], backend: str, kind: str = "prose") -> list[set[tuple]]:
    engine = Engine(ClassifySettings(ner=False), [cls()], use_hyperscan=backend == "hyperscan")
    units = [TextUnit(Location(f"mem://{i}"), t, kind) for i, t in enumerate(texts)]  # type: ignore[arg-type]
    return [{(d.start, d.end, d.value, d.score) for d in ds} for ds in engine.analyze(units)]


ADDRESSES = ["fe80::1", "2001:db8::8a2e:370:7334", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8",
             "1:2:3:4:5:6:1.2.3.4", "2001:0db8:0000:0000:0000:ff00:0042:8329", "fe80::1:2:3:4:5:6",
             "fe80::1%eth0", "2001:db8::/32", "12:fe80::1"]
NOT_ADDRESSES = ["05:02:35", "2016-05-18T05:02:35.255272", "at 10:29:34.556133 UTC", "12:30:00",
                 "ratio 3:2:1", "a:b:c:d"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("address", ADDRESSES)
def test_addresses_are_found(address: str, backend: str) -> None:
    text = f"client {address} connected"
    [got] = _found(IpAddressClassifier, [text], backend)
    assert any(v == address for _, _, v, _ in got), got


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", [*NOT_ADDRESSES, "1:2:3:4:5:6:7", "fe80:::1", "12::34::56"])
def test_non_addresses_are_not_found(text: str, backend: str) -> None:
    [got] = _found(IpAddressClassifier, [f"value {text} here"], backend)
    assert not got


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_times_and_ratios_are_not_candidates(text: str, backend: str) -> None:
    engine = Engine(ClassifySettings(ner=False), [IpAddressClassifier()],
                    use_hyperscan=backend == "hyperscan")
    v6 = [i for i, p in enumerate(engine.patterns.patterns) if p.name == "ipv6"]
    assert not [m for m in engine.patterns.matches(text) if m[0] in v6]


def _log(rng: random.Random, n: int) -> str:
    lines = []
    for _ in range(n):
        t = f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:" \
            f"{rng.randint(10, 59)}.{rng.randint(0, 999999):06d}"
        addr = rng.choice(ADDRESSES + ["203.0.113.7", "198.51.100.23"])
        lines.append(f"{t} INFO job={rng.randint(10**8, 10**10)} from {addr} at 12:0{rng.randint(0, 9)}")
    return "\n".join(lines)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_same_addresses_as_the_wide_candidates(backend: str) -> None:
    rng = random.Random(5)
    logs = [_log(rng, 60) for _ in range(5)]
    alphabet = "0123456789abcdefABCDEF:::..  %/x-_"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 60))) for _ in range(3000)]
    for kind, texts in (("log", logs), ("prose", fuzz)):
        new = _found(IpAddressClassifier, texts, backend, kind)
        old = _found(WideCandidates, texts, backend, kind)
        assert all(o <= n for o, n in zip(old, new, strict=True))
        if kind == "log":
            assert new == old
            assert sum(map(len, new)) >= 300
        else:  # more only where a wide non-address hid a real one's start
            assert sum(map(len, new)) - sum(map(len, old)) <= len(texts) // 1000 + 1
