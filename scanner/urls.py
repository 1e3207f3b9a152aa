"""URLs that carry credentials: parse them whatever the password holds, and redact them.

Every uri piiscout stores, prints or logs goes through :func:`redact_url`: the user name and
password are removed, and query parameters that hold secrets (``password=``, ``token=``, ``key=``,
``X-Amz-Signature=``, ...) keep their name but not their value.

Passwords are often written unencoded (``postgresql+psycopg://scanner:4242/S3cretPW@host/db``,
``mysql+pymysql://u:S3cret#PW@host/x``), and a generic URL parser then takes ``4242`` or
``S3cret`` for a port, or the password for a path or a fragment. :func:`split_userinfo` finds the
end of the user information on the LAST ``@`` that is followed by a well-formed ``host[:port]``
and does not sit inside the query string of an earlier such candidate; the user name must not
hold ``/``, ``?`` or ``#`` (a password may hold anything). A percent-encoded password is decoded,
as SQLAlchemy does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

# Query parameter names whose values are secrets (compared lower case, without "-" and "_").
SECRET_PARAMS = frozenset({
    "password", "passwd", "pass", "pwd", "sslpassword", "secret", "clientsecret", "secretkey",
    "token", "accesstoken", "refreshtoken", "sessiontoken", "idtoken", "authtoken", "apitoken",
    "key", "apikey", "accesskey", "accesskeyid", "awsaccesskeyid", "awssecretaccesskey",
    "privatekey", "sig", "signature", "xamzsignature", "xamzcredential", "xamzsecuritytoken",
    "credential", "credentials", "auth", "authorization", "sas", "code",
})
MASK = "***"

_HOSTNAME = r"(?:\[[0-9A-Fa-f:.]+(?:%[\w.~-]+)?\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)"
_HOST = re.compile(_HOSTNAME + r"(?::[0-9]*)?")
# A host with a malformed port: still the end of the user information when nothing better is.
_LOOSE_HOST = re.compile(_HOSTNAME + r"(?::[^/?#@]*)?")
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")


@dataclass(frozen=True)
class SplitUrl:
    """``scheme://[userinfo@]rest``: ``rest`` is host, port, path, query and fragment."""

    scheme: str
    username: str | None
    password: str | None
    rest: str

    @property
    def has_authority(self) -> bool:
        return not self.rest.startswith("/")

    def without_userinfo(self) -> str:
        return f"{self.scheme}://{self.rest}"


def _host_end(rest: str, start: int) -> int:
    """Index where the ``host[:port]`` starting at ``start`` ends (at ``/``, ``?``, ``#``)."""
    for i in range(start, len(rest)):
        if rest[i] in "/?#":
            return i
    return len(rest)


def _valid_host(text: str, pattern: re.Pattern[str] = _HOST) -> bool:
    return bool(text) and pattern.fullmatch(text) is not None and "@" not in text


def _candidates(rest: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """``(index of an '@' followed by a host, index where that URL's query starts or -1)``."""
    out: list[tuple[int, int]] = []
    for i, ch in enumerate(rest):
        if ch != "@":
            continue
        end = _host_end(rest, i + 1)
        if not _valid_host(rest[i + 1 : end], pattern):
            continue
        user = rest[:i].split(":", 1)[0]
        if any(c in user for c in "/?#"):
            continue
        out.append((i, rest.find("?", end)))
    return out


def split_userinfo(url: str) -> SplitUrl:
    """Split ``url`` into scheme, user, password and the rest; see the module docstring."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return SplitUrl("", None, None, url)
    if rest.startswith("/") or "@" not in rest:
        return SplitUrl(scheme, None, None, rest)
    candidates = _candidates(rest, _HOST) or _candidates(rest, _LOOSE_HOST)
    chosen: int | None = None
    chosen_query = -1
    for i, q in candidates:
        if chosen is not None and 0 <= chosen_query < i:
            break  # an '@' in the query string of the candidate before belongs to that query
        chosen, chosen_query = i, q
    if chosen is None:
        return SplitUrl(scheme, None, None, rest)
    userinfo, rest = rest[:chosen], rest[chosen + 1 :]
    user, colon, password = userinfo.partition(":")
    return SplitUrl(scheme, unquote(user) or None, unquote(password) if colon else None, rest)


def _secret_param(name: str) -> bool:
    return re.sub(r"[-_.\s]", "", unquote(name)).lower() in SECRET_PARAMS


def _mask_query(query: str) -> str:
    parts = []
    for pair in query.split("&"):
        name, eq, _value = pair.partition("=")
        parts.append(f"{name}={MASK}" if eq and _secret_param(name) else pair)
    return "&".join(parts)


def redact_url(url: str) -> str:
    """``url`` without user name and password, secret query values masked.

    Not a URL (no ``://``): returned unchanged. Never raises.
    """
    if not isinstance(url, str) or "://" not in url:
        return url
    try:
        split = split_userinfo(url)
        rest = split.rest
        end = _host_end(rest, 0) if split.has_authority else 0
        head, tail = rest[:end], rest[end:]
        fragment = ""
        q = tail.find("?")
        if q >= 0:
            path, query = tail[:q], tail[q + 1 :]
            h = query.find("#")
            if h >= 0:
                query, fragment = query[:h], query[h:]
            tail = f"{path}?{_mask_query(query)}{fragment}"
        return f"{split.scheme}://{head}{tail}"
    except Exception:
        return url.split("://", 1)[0] + "://<unparseable>"


def redact_text(text: str, *secrets: str | None) -> str:
    """``text`` with every URL in it redacted and each of ``secrets`` replaced by ``***``."""
    out = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
    for s in sorted({s for s in secrets if s and len(s) >= 2}, key=len, reverse=True):
        out = out.replace(s, MASK)
    return out


def url_secrets(url: str) -> list[str]:
    """The user name, password and secret query values of ``url`` (to scrub from messages)."""
    split = split_userinfo(url)
    found = [s for s in (split.username, split.password) if s]
    if split.password:
        found.append(_quote_all(split.password))
    q = split.rest.find("?")
    if q >= 0:
        for pair in split.rest[q + 1 :].split("#", 1)[0].split("&"):
            name, eq, value = pair.partition("=")
            if eq and value and _secret_param(name):
                found.extend({value, unquote(value)})
    return found


def _quote_all(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def parse_db_url(target: str) -> Any:
    """A :class:`sqlalchemy.engine.URL` for ``target``, whatever characters its password holds.

    Raises ``ValueError`` with a message that never quotes the user name or password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    split = split_userinfo(target)
    try:
        url = make_url(split.without_userinfo())
        if url.port is not None:
            int(url.port)
    except (ArgumentError, ValueError, TypeError) as exc:
        raise ValueError(f"cannot parse the database URL {redact_url(target)}: "
                         f"{redact_text(str(exc), *url_secrets(target))}") from None
    if split.username is not None or split.password is not None:
        url = url.set(username=split.username, password=split.password)
    return url
