"""Device and telemetry identifiers: IP and MAC addresses, IMEI, device IDs, cookies, user agents.

Stable IDs (never renamed): ``DEV-IP``, ``DEV-MAC``, ``DEV-IMEI``, ``DEV-ID`` (device IDs in text),
``DEV-ID-FIELD`` (a whole value under a device-ID field name), ``DEV-COOKIE``, ``DEV-UA``.
Categories are the ``user.device.*`` keys of ``config/taxonomy.yaml``. One module per family:
:mod:`~classifiers.devices.network` (IP, MAC), :mod:`~classifiers.devices.hardware` (IMEI, device
IDs), :mod:`~classifiers.devices.web` (cookies, user agents).

Patterns are short and hyperscan-compatible (no lookaround); every boundary and context check is
in ``validate()``, which re-matches its own regex with Python ``re`` at ``candidate.start``, so the
span does not depend on which match end a multi-pattern engine reported.

Decisions worth knowing:

* IP_ADDRESS: v4 and v6 validated with :mod:`ipaddress`, CIDR prefixes kept when valid (an
  invalid prefix is left out of the span), IPv6 zones (``%eth0``) kept. A dotted run of more than
  four numbers (``10.0.19045.4170``, ``1.2.3.4.5``, OIDs) is never an IP. Four numbers right after
  a word such as *section, chapter, figure, version, oid, rfc* are dropped; in prose, an address
  whose octets are all single digits (``1.2.3.4``) scores 0.3 (below the default ``min_score``)
  unless network words (ip, host, server, src, dns, ...) are near. An IPv4 address embedded in a
  valid IPv6 address (``::ffff:192.0.2.1``) is reported once, as the IPv6 address. ``::`` and
  ``::1``-like addresses need network words, a prefix, or to be the whole unit (``std::cout``,
  ``a[::2]`` are not addresses). Loopback and private addresses are reported (attribute
  ``scope``), like Presidio and pdscan do.
* MAC_ADDRESS: ``aa:bb:..``, ``aa-bb-..`` and Cisco ``aabb.ccdd.eeff``; never all-zero or
  broadcast; not part of a longer colon/dash hex run (certificate fingerprints, hashes) and not
  after hash words (fingerprint, sha1, md5, digest) unless MAC words are near; an all-decimal
  Cisco form needs MAC words.
* IMEI: 15 digits passing Luhn. Without IMEI/device words, numbers whose first two digits are not
  a GSMA reporting body (35, 86, 01, 99, ...) score 0.3; Amex-like prefixes (34, 37) and numbers
  near "imsi" are dropped. IMEISV (16 digits) only with "imeisv"/"imei" near.
* DEVICE_ID: a UUID or 16-hex-char value only with device words before it (advertising id, idfa,
  gaid, android id, device id, installation id, serial, ...); ``key=value`` / JSON pairs whose key
  names a device ID (``device_id``, ``advertisingId``, ``serial_number``, ``X-Device-Id``) with any
  ID-like value; and (DEV-ID-FIELD) whole values of fields with such names. A bare UUID is not.
* COOKIE_ID: one detection per cookie value in ``Cookie:`` / ``Set-Cookie:`` headers (also in JSON
  or logs), in Netscape ``cookies.txt`` lines and in fields named like ``cookie``; the cookie name
  is in the explanation. Short or word-like values (``lang=en``, ``consent=dismiss``) are skipped.
* USER_AGENT: ``Mozilla/``, ``Opera/`` and ``Dalvik/`` strings whose first comment names a
  platform; bots and crawlers are skipped; in prose a product token must follow the comment.
  Browser, OS and language (from the UA or an ``Accept-Language`` header) go in the explanation
  and ``attributes``.
"""


from __future__ import annotations

from classifiers.devices.hardware import (
    DeviceIdClassifier,
    DeviceIdFieldClassifier,
    ImeiClassifier,
    device_key,
    id_like,
    luhn_ok,
)
from classifiers.devices.network import IpAddressClassifier, MacAddressClassifier, ipv6_at
from classifiers.devices.web import (
    CookieClassifier,
    UserAgentClassifier,
    cookie_value_ok,
    describe_user_agent,
)

__all__ = [
    "CLASSIFIERS",
    "CookieClassifier",
    "DeviceIdClassifier",
    "DeviceIdFieldClassifier",
    "ImeiClassifier",
    "IpAddressClassifier",
    "MacAddressClassifier",
    "UserAgentClassifier",
    "cookie_value_ok",
    "describe_user_agent",
    "device_key",
    "id_like",
    "ipv6_at",
    "luhn_ok",
]

CLASSIFIERS: tuple[type, ...] = (
    IpAddressClassifier,
    MacAddressClassifier,
    ImeiClassifier,
    DeviceIdClassifier,
    DeviceIdFieldClassifier,
    CookieClassifier,
    UserAgentClassifier,
)
