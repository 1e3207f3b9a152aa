"""Precision and recall on data the classifiers were not written against.

    .venv/bin/python benchmarks/unseen.py [--corpus 1|2|3|all] [--seed N] [--mb X] [--ner]
    # Markdown on stdout: a section per corpus (all: every one, with its own seed and size)

:mod:`benchmarks.corpora` holds what the detectors were tuned on (prose, CSV, an access log,
NDJSON, office files, mostly en_US). Three corpora unlike those, all Faker's:

- corpus 1 (seed 4242, ``--mb`` 1.5, eight locales), seven shapes: an XML CRM export, an HTML
  staff table, a YAML service inventory, TSV payments, markdown meeting notes, a syslog-style log
  and a nested JSON array, with numbers and codes that are not personal data around every planted
  value (*distractors*: epochs, byte counts, prices, EAN/ISBN/SBN, UUIDs, hashes, versions, order
  numbers, post codes, pids...), each recorded with its kind;
- corpus 2 (seed 777, ``--mb`` 1.65, sixteen locales; :mod:`benchmarks.unseen_mail`): .eml mails
  with CSV attachments and trace headers, .docx letters, an .xlsx sheet, a semicolon CSV bank
  export with European decimals and dates, Kubernetes JSON log lines, an Apache error log, a
  Windows-event CSV, a mysqldump SQL file and CRM prose notes, with their distractors (European
  amounts and dates, EAN-8/13, ISBN-10, SHA-256, versions, thread ids, file sizes...) and context
  that is not planted (``ctx:`` kinds: cities, streets, companies...). No MAC address is planted:
  its findings are counted with the entities not scored;
- corpus 3 (seed 31337, ``--mb`` 1.5, sixteen other locales; :mod:`benchmarks.unseen_ops`):
  vCard contacts, iCalendar events, sshd/sudo and postfix logs, a Spring Boot log with stack
  traces, pretty-printed JSON profiles, an HTML table with header cells, an INI file, a semicolon
  CSV with French headers and a chat export, with their distractors (meeting ids and passcodes,
  vCard timestamps, postfix queue ids and delays, parcel tracking numbers, BICs, VAT numbers,
  GTIN-14, coordinates...). Faker writes some values no standard would accept (21-character GB
  IBANs, "IBANs" of Argentina, which has none, phone numbers such as "+04(0)2520268256"): they
  stay planted, so recall counts them as missed unless a column's name reports them.

For each it runs the documented CLI as a user would, in a fresh ``PIISCOUT_HOME`` and SQLite
inventory, timed (wall seconds): ``piiscout scan DIR --no-ner --no-progress --format jsonl -o OUT
--db sqlite:///...`` (``--ner``: also the default full mode). A finding is true when its keyed
hash (:func:`scanner.redact.value_hash`, the home's ``secret.key``) is a planted value's of its
entity; precision = true findings / findings, recall = distinct planted values found / distinct
planted values. False findings are counted by what they were: a distractor's kind or another
entity's value (by hash), or a span containing or inside one (the span of the finding's line with
its preview and hash; in a mail or an office file, of any line of its readable text, which the
generator keeps: the decoded headers, body and attachment, a paragraph or a row a line); other
entities' findings per entity. Nothing is printed in clear: a kind and the product's masked
preview only.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import methodcaller
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import unseen_mail, unseen_ops  # noqa: E402 (after sys.path)
from benchmarks.throughput import Score, piiscout_exe  # noqa: E402 (after sys.path)
from scanner.redact import mask, value_hash  # noqa: E402 (after sys.path)

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT", "sv_SE")
SCORED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
          "USER_AGENT", "MAC_ADDRESS", "PERSON")
PROVIDERS = {"name": "PERSON", "email": "EMAIL_ADDRESS", "phone_number": "PHONE_NUMBER",
             "credit_card_number": "CREDIT_CARD", "iban": "IBAN_CODE", "ipv4": "IP_ADDRESS",
             "ipv6": "IP_ADDRESS", "user_agent": "USER_AGENT", "mac_address": "MAC_ADDRESS"}
END = datetime(2026, 1, 1)
_WHEN = methodcaller("date_time", end_datetime=END)  # a time before END


# kind -> a value of it from a Faker (``postcode``: the person's locale's): never personal data
DISTRACTORS: dict[str, Callable[[Any], object]] = {
    # (a date before END, not before today: Faker's date() moves with the clock)
    "date": lambda f: _WHEN(f).date().isoformat(),
    **{k: methodcaller(k) for k in ("ean13", "isbn13", "sbn9", "uuid4", "md5", "sha1",
                                    "postcode", "hex_color")},
    "iso_datetime": lambda f: _WHEN(f).isoformat(),
    "syslog_time": lambda f: "{0:%b} {0.day:>2} {0:%H:%M:%S}".format(_WHEN(f)),
    "log_time": lambda f: f"{_WHEN(f):%Y/%m/%d %H:%M:%S},{f.random_int(0, 999):03d}",
    "epoch_s": lambda f: int(f.unix_time(end_datetime=END)),
    "epoch_ms": lambda f: int(f.unix_time(end_datetime=END) * 1000),
    "pyfloat": lambda f: f.pyfloat(left_digits=f.random_int(1, 7), right_digits=f.random_int(1, 6)),
    "pydecimal": lambda f: float(f.pydecimal(left_digits=f.random_int(1, 8), right_digits=2,
                                             positive=True)),
    "short_sha": lambda f: f.sha1()[:12], "port": lambda f: f.port_number(),
    "version": lambda f: f"{f.random_int(0, 20)}.{f.random_int(0, 40)}.{f.random_int(0, 300)}",
    "invoice": methodcaller("numerify", "INV-########"),
    "order_no": lambda f: f.bothify("ORD-??-#####-####").upper(),
    "order_digits": methodcaller("numerify", "##########"),
    "bytes": lambda f: f.random_int(100, 9_999_999_999),
    "count": lambda f: f.random_int(0, 99_999), "uptime_s": lambda f: f.random_int(0, 10**7),
    "pid": lambda f: f.random_int(100, 4194304),
    "duration_ms": lambda f: f"{f.random_int(0, 99999)}ms",
    "price": lambda f: f"{f.random_int(1, 99999)}.{f.random_int(0, 99):02d}",
    "percent": lambda f: f"{f.pyfloat(left_digits=2, right_digits=2, positive=True)}%",
    "http_status": lambda f: f.random_element((200, 200, 304, 404, 500)),
}

# One record of each file, a template of placeholders: {provider} plants a value of a person of
# a random locale ({provider#2}: of a second person of the record), {=provider} repeats the last
# one, {kind} writes a distractor, {a|b} picks one, [[...]] is there half the time; any other
# {name} is a Faker filler (slug, user_name...). Several templates: one picked per record.
XML = """  <customer id="{uuid4}" locale="{locale}" created="{iso_datetime}">
    <fullName>{name}</fullName>
    <contact>
      <email>{email}</email>
      <phone>{phone_number}</phone>[[
      <secondaryPhone type="mobile">{phone_number}</secondaryPhone>]][[
      <lastLoginIp>{ipv4|ipv6}</lastLoginIp>]]
      <postalCode>{postcode}</postalCode>
    </contact>
    <billing currency="EUR">
      <iban>{iban}</iban>
      <card expires="{credit_card_expire}">{credit_card_number}</card>
      <balance>{pydecimal}</balance>
      <lastInvoice>{invoice}</lastInvoice>
    </billing>
    <stats visits="{count}" conversion="{percent}" score="{pyfloat}" ean="{ean13}"/>
  </customer>
"""
HTML = ('<tr><td>{name}</td><td><a href="mailto:{email}">{=email}</a></td><td>{phone_number}'
        '</td><td>{postcode}</td><td><code>{uuid4}</code></td><td style="color:{hex_color}">'
        '{=hex_color}</td><td data-ts="{epoch_s}">{price} &euro;</td><td>{isbn13}</td>'
        "<td>{version}</td></tr>\n")
HTML_HEAD = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Staff "
             "directory</title>\n<style>td{padding:4px} .hdr{background:#336699}</style></head>"
             "<body><h1>Staff directory &mdash; EMEA</h1>\n<table><thead><tr><th>Name</th><th>"
             "E-mail</th><th>Telephone</th><th>Post code</th><th>Badge</th><th>Colour</th><th>"
             "Allowance</th><th>Handbook</th><th>Client</th></tr></thead><tbody>\n")
YAML = """- service: {slug}-{random_digit}
  version: "{version}"
  image_digest: sha1:{sha1}
  checksum_md5: {md5}
  listen:
    host: {ipv4}
    ipv6: "{ipv6}"
    port: {port}
  nic_mac: "{mac_address}"
  owner:
    name: {name}
    email: {email}
    oncall: "{phone_number}"
  limits: {cpu: {pyfloat}, memory_bytes: {bytes}, timeout: {duration_ms}}
  created: {iso_datetime}
  ticket: {order_no}
"""
TSV_HEAD = ("txn_id\tts_ms\tamount\tcurrency\tcard_no\tpayer_iban\tpayer\tproduct_ean\tbook_isbn"
            "\tdiscount\tzip\tref\n")
TSV = ("{uuid4}\t{epoch_ms}\t{price}\t{currency_code}\t{credit_card_number}\t{iban}\t{name}\t"
       "{ean13}\t{isbn13}\t{percent}\t{postcode}\t{order_digits}\n")
MARKDOWN = """
## Sync {date} &mdash; release {version}

**Attendees:** {name}, {name#2}, {name#3}

- {name} will follow up with the vendor (contact: {email#2}, tel. {phone_number#2}).
- Build {short_sha} failed on runner `{ipv4#3}:{port}`; median latency {duration_ms}, error \
rate {percent}.
- Invoice {invoice} for {price} EUR approved; PO {order_no} still pending.
- Reimbursement to {name#3} via IBAN {iban#3} (ref {order_digits}).
- New ISBN for the handbook: {isbn13}, old SBN {sbn9}; barcode {ean13}.
- Action: ring {phone_number} before {iso_datetime}.

| item | owner | due | est. |
|---|---|---|---|
| migrate DB | {name#2} | {date} | {pyfloat} d |
| rotate keys | {email#3} | {date} | {random_digit} h |
"""
LOG = (  # six programs, three timestamp styles
    '{syslog_time} web{random_digit} nginx[{pid}]: {ipv4} - - "GET /api/v2/items/{order_digits} '
    'HTTP/1.1" {http_status} {bytes} "-" "{user_agent}" rt={duration_ms}\n',
    "{epoch_s} sshd[{pid}]: Accepted publickey for {user_name} from {ipv6} port {port} ssh2: RSA "
    "SHA256:{md5}\n",
    "{log_time} INFO  [billing] charged card {credit_card_number} amount={price} order={invoice} "
    "took {duration_ms}\n",
    "{epoch_ms} dhcpd: DHCPACK on {ipv4} to {mac_address} via eth{random_digit} lease={count}s\n",
    '{syslog_time} crm[{pid}]: contact updated user={email} phone="{phone_number}" by {name} '
    "ver={version}\n",
    "{log_time} DEBUG [cache] hit ratio {percent} size={bytes} bytes evictions={count} build "
    "{sha1}\n",
)
JSON = """{"id": "{uuid4}", "createdAt": "{iso_datetime}", "owner": {"displayName": "{name}",
"contact": {"mail": "{email}", "tel": "{phone_number}"}, "address": {"postcode": "{postcode}",
"locale": "{locale}"}}, "device": {"mac": "{mac_address}", "lastIp": "{ipv4|ipv6}", "agent":
"{user_agent}", "fw": "{version}"}, "billing": {"iban": "{iban}", "card": {"number":
"{credit_card_number}", "exp": "{credit_card_expire}"}, "total": {pydecimal}, "invoice":
"{invoice}"}, "metrics": {"uptime_s": {uptime_s}, "ratio": {pyfloat}, "lastSeen": {epoch_ms},
"rxBytes": {bytes}}, "tags": ["{word}", "{word}"], "sku": "{ean13}", "hash": "{md5}"}"""


# file -> (share of --mb, templates, escape, head, separator, tail)
FILES: dict[str, tuple[float, tuple[str, ...], Callable[[str], str], str, str, str]] = {
    "crm_export.xml": (0.148, (XML,), html.escape, '<?xml version="1.0" encoding="UTF-8"?>\n'
                       '<export generated="2025-11-30T08:00:00Z">\n', "", "</export>\n"),
    "staff.html": (0.129, (HTML,), html.escape, HTML_HEAD, "", "</tbody></table></body></html>\n"),
    "services.yaml": (0.129, (YAML,), str, "# service inventory\nservices:\n", "", ""),
    "transactions.tsv": (0.148, (TSV,), str, TSV_HEAD, "", ""),
    "meeting-notes.md": (0.129, (MARKDOWN,), str, "# Meeting notes Q3\n", "", ""),
    "system.log": (0.168, LOG, str, "", "", ""),
    "devices.json": (0.115, (JSON,), lambda v: json.dumps(v, ensure_ascii=False)[1:-1], "[",
                     ",", "]"),
}
_PLACE = re.compile(r"\{(=?)([a-z0-9_|]+)(?:#(\d))?\}")
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)


@dataclass
class Corpus:
    """The generator: its Fakers (one a locale, one for the rest), what it planted and the
    distractors it wrote."""

    seed: int
    planted: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    distractors: dict[str, str] = field(default_factory=dict)
    locales: tuple[str, ...] = LOCALES
    kinds: Mapping[str, Callable[[Any], object]] = field(default_factory=lambda: DISTRACTORS)

    def __post_init__(self) -> None:
        from faker import Faker

        self.fakers = {loc: Faker(loc) for loc in self.locales}
        for i, fake in enumerate(self.fakers.values()):
            fake.seed_instance(self.seed + i)
        self.f = Faker()
        self.f.seed_instance(self.seed)

    def render(self, template: str, escape: Callable[[str], str]) -> str:
        people: dict[str, str] = {}  # the record's persons: number -> locale
        last: dict[tuple[str, str], str] = {}

        def value(m: re.Match[str]) -> str:
            keys, who = m[2].split("|"), m[3] or "1"
            key = self.f.random_element(keys) if len(keys) > 1 else keys[0]
            if m[1]:
                return escape(last[who, key])
            if who not in people:
                people[who] = self.f.random_element(self.locales)
            fake = self.fakers[people[who]]
            if key in PROVIDERS:
                v = str(getattr(fake, key)())
                self.planted[PROVIDERS[key]].add(v)
            elif key in self.kinds:
                v = str(self.kinds[key](fake if key == "postcode" else self.f))
                kinds = {key, *self.distractors.get(v, key).split(" or ")}  # "port or postcode"
                self.distractors[v] = " or ".join(sorted(kinds))
            else:
                v = people[who] if key == "locale" else str(getattr(self.f, key)())
            last[who, key] = v
            return escape(v)
        return _PLACE.sub(value, _OPTIONAL.sub(lambda m: m[1] if self.f.boolean() else "",
                                               template))


def generate(dest: Path, seed: int, megabytes: float) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Write the seven files into ``dest``, about ``megabytes`` MB in all: (planted values per
    entity, distractor value -> kind). A distractor equal to a planted value is left out."""
    return write_files(dest, Corpus(seed), FILES, megabytes)


FileSpecs = Mapping[str, tuple[float, tuple[str, ...], Callable[[str], str], str, str, str]]


def write_files(dest: Path, c: Corpus, files: FileSpecs, megabytes: float
                ) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Write each of ``files`` (name -> share of ``megabytes``, templates, escape, head,
    separator, tail) into ``dest`` with the generator ``c``: (planted values per entity,
    distractor value -> kind). A distractor equal to a planted value is left out."""
    dest.mkdir(parents=True, exist_ok=True)
    for name, (share, templates, escape, head, sep, tail) in files.items():
        parts: list[str] = []
        size, limit = len(head), share * megabytes * 1e6
        while not parts or size < limit:
            parts.append(c.render(c.f.random_element(templates), escape))
            size += len(parts[-1].encode()) + len(sep)
        text = head + sep.join(parts) + tail
        if name.endswith(".json"):  # one key a line, as a JSON export writes them
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        (dest / name).write_text(text, encoding="utf-8")
    planted = set().union(*c.planted.values())
    return dict(c.planted), {v: k for v, k in c.distractors.items() if v not in planted}


# -- the CLI, as a user runs it, and the scoring ----------------------------------------------
@dataclass
class Run:
    label: str
    seconds: float
    returncode: int
    findings: list[dict[str, Any]]
    secret: bytes


def run_cli(target: Path, extra: list[str], workdir: Path, label: str) -> Run:
    """``piiscout scan TARGET [extra] --no-progress --format jsonl -o OUT --db sqlite:///...`` in
    a fresh PIISCOUT_HOME (its own secret and inventory), timed."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=workdir))
    out = home / "report.jsonl"
    cmd = [piiscout_exe(), "scan", str(target), *extra, "--no-progress", "--format", "jsonl",
           "-o", str(out), "--db", f"sqlite:///{home / 'inventory.sqlite'}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env={**os.environ, "PIISCOUT_HOME": str(home)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"\n> `piiscout scan DIR {' '.join(extra)}` exited {proc.returncode}:\n```\n"
              f"{proc.stderr.decode(errors='replace')[-2000:]}\n```\n")
    rows = [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []
    secret = bytes.fromhex((home / "secret.key").read_text().strip())
    return Run(label, seconds, proc.returncode, [r for r in rows if r["type"] == "finding"], secret)


def score(findings: Iterable[Mapping[str, Any]], planted: Mapping[str, set[str]],
          secret: bytes, scored: Iterable[str] = SCORED
          ) -> tuple[Score, list[Mapping[str, Any]]]:
    """The ``scored`` entities' findings judged by keyed hash: (the score, the false findings).
    Other entities' findings are counted in ``Score.others``."""
    s, false = Score(), []
    hashed = {e: {value_hash(secret, e, v): v for v in planted.get(e, ())} for e in scored}
    for f in findings:
        entity = f["entity"]
        if entity not in hashed:
            s.others[entity] += 1
            continue
        s.findings[entity] += 1
        value = hashed[entity].get(f["value_hash"])
        if value is None:
            false.append(f)
        else:
            s.true[entity] += 1
            s.found.setdefault(entity, set()).add(value)
    return s, false


_TOKEN = re.compile(r"\d+|[^\W\d_]+")  # runs of digits, runs of letters


class FalseKinds:
    """What a false finding was: a distractor's kind or another entity's planted value, by hash;
    else the span on its line with its preview and hash (in a file of ``texts``, path -> the
    readable text of a mail or an office file: on any of its lines), set against the known values
    that contain it or that it contains, when they are half of it or more (a building number '12'
    in a date is chance), found through their runs of digits or letters."""

    def __init__(self, planted: Mapping[str, set[str]], distractors: Mapping[str, str],
                 secret: bytes, texts: Mapping[str, str] | None = None) -> None:
        self.secret, self.labels, self.texts = secret, dict(distractors), dict(texts or {})
        for entity, values in planted.items():
            self.labels.update({v: f"planted {entity}" for v in values})
        self.index: defaultdict[str, set[str]] = defaultdict(set)
        for v in self.labels:
            for token in _TOKEN.findall(v):
                self.index[token].add(v)
        self._hashed: dict[str, dict[str, str]] = {}
        self._files: dict[str, list[str]] = {}

    def kind(self, f: Mapping[str, Any]) -> str:
        entity, digest = f["entity"], f["value_hash"]
        if entity not in self._hashed:
            self._hashed[entity] = {value_hash(self.secret, entity, v): k
                                    for v, k in self.labels.items()}
        if digest in self._hashed[entity]:
            return self._hashed[entity][digest]
        span = next((s for line in self._lines(f["location"], f["preview"])
                     for text in dict.fromkeys((line, html.unescape(line)))
                     for s in _spans(text, entity, f["preview"])
                     if value_hash(self.secret, entity, s) == digest), None)
        if span is None:
            return "span not recovered"
        near = [v for t in _TOKEN.findall(span) for v in self.index.get(t, ())
                if v != span and (span in v or v in span and 2 * len(v) >= len(span))]
        if not near:
            return "other text"
        v = max(near, key=lambda v: (len(v), v))  # the longest (ties: the same each run)
        return f"{'part of' if span in v else 'contains'} {self.labels[v]}"

    def _lines(self, location: Mapping[str, Any], preview: str) -> list[str]:
        """The finding's line; in a file of ``texts``, the lines holding the preview's clear
        parts (its line numbers are the product's, not those of the readable text)."""
        path, n = unquote(urlparse(location["uri"]).path), location.get("line") or 0
        if path not in self._files:
            p = Path(path)
            text = self.texts.get(path)
            if text is None:
                text = p.read_text(encoding="utf-8", errors="replace") if p.is_file() else ""
            self._files[path] = text.split("\n")
        lines = self._files[path]
        if path in self.texts:
            parts = [x for x in re.split(r"[*…\s]+", preview) if len(x) > 1]
            return [line for line in lines if all(x in line for x in parts)]
        return [lines[n - 1]] if 0 < n <= len(lines) else []


def _spans(text: str, entity: str, preview: str) -> Iterable[str]:
    """The substrings of ``text`` that the product previews as ``preview``."""
    tail = preview.startswith("*")  # a tail mask: as long as the value, give or take spaces
    for i, ch in enumerate(text):
        if preview and not ch.isspace() and (tail or ch == preview[0]):
            ends = range(i + len(preview), i + len(preview) + 3) if tail else range(i + 1, i + 200)
            yield from (text[i:j] for j in ends
                        if j <= len(text) and mask(entity, text[i:j]) == preview)


# -- the report -------------------------------------------------------------------------------
def _pr(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _code(preview: str) -> str:
    return "`" + preview.replace("`", "'").replace("|", "\\|") + "`"


def report(run: Run, mb: float, planted: Mapping[str, set[str]],
           distractors: Mapping[str, str], scored: tuple[str, ...] = SCORED,
           texts: Mapping[str, str] | None = None) -> str:
    s, false = score(run.findings, planted, run.secret, scored)
    out = [f"### {run.label}\n", f"{run.seconds:.1f} s wall for {mb:.2f} MB "
           f"({mb / run.seconds:.2f} MB/s), exit status {run.returncode}, "
           f"{len(run.findings):,} findings.\n",
           "| entity | planted (distinct) | findings | true | false | precision | recall |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {e} | {len(planted.get(e, ())):,} | {s.findings[e]:,} | {s.true[e]:,} | "
            f"{s.findings[e] - s.true[e]:,} | {_pr(s.precision(e))} | "
            f"{_pr(s.recall(e, planted))} |" for e in scored]
    kinds = FalseKinds(planted, distractors, run.secret, texts)
    by_kind: Counter[tuple[str, str]] = Counter()
    previews: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for f in [*false, *(f for f in run.findings if f["entity"] not in scored)]:
        key = (f["entity"], kinds.kind(f))
        by_kind[key] += 1
        if len(previews[key]) < 3 and f["preview"] not in previews[key]:
            previews[key].append(f["preview"])

    def table(entities: Iterable[str], totals: bool) -> list[str]:
        rows = sorted(((e, k, n) for (e, k), n in by_kind.items() if e in entities),
                      key=lambda r: (-s.others[r[0]], r[0], -r[2]))
        return ["| entity | what it was | findings | previews |", "|---|---|---:|---|"] + [
            f"| {e}{f' ({s.others[e]:,} in all)' if totals else ''} | {k} | {n:,} | "
            f"{', '.join(map(_code, previews[e, k]))} |" for e, k, n in rows] + (
            [] if rows else ["| – | none | 0 | |"])
    out += ["\nThe false findings of these entities, by what they were (the product's masked "
            "previews of a few):\n", *table(scored, False)]
    out += ["\nFindings of the entities not scored (nothing is planted for them: a DATE_TIME on "
            "a date or a LOCATION on a post code is reported by design, the rest are false):\n",
            *table(s.others, True)]
    return "\n".join(out) + "\n"


def revision() -> str:
    """The checkout's commit, and whether tracked files differ from it (the product measured)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=False).stdout.strip()
    head, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "-uno")
    return f"commit {head or '?'}" + (" with uncommitted changes" if dirty else "")


Generated = tuple[dict[str, set[str]], dict[str, str], dict[str, str]]


def _generate_first(dest: Path, seed: int, megabytes: float) -> Generated:
    return (*generate(dest, seed, megabytes), {})


@dataclass(frozen=True)
class Spec:
    """A corpus: its shapes, default seed and size, locales, scored entities, distractor kinds
    and generator (-> planted, distractors, readable text of its mails and office files)."""

    shapes: str
    seed: int
    mb: float
    locales: tuple[str, ...]
    scored: tuple[str, ...]
    kinds: tuple[str, ...]
    generate: Callable[[Path, int, float], Generated]


CORPORA = {
    "1": Spec("an XML CRM export, an HTML staff table, a YAML service inventory, TSV payments, "
              "markdown meeting notes, a syslog-style log and a nested JSON array", 4242, 1.5,
              LOCALES, SCORED, tuple(DISTRACTORS), _generate_first),
    "2": Spec(".eml mails (Received and User-Agent headers, CSV attachments), .docx letters, an "
              ".xlsx sheet, a semicolon CSV bank export (European decimals and dates), Kubernetes "
              "JSON log lines, an Apache error log, a Windows-event CSV, a mysqldump SQL file and "
              "CRM prose notes", 777, unseen_mail.DEFAULT_MB, unseen_mail.LOCALES,
              unseen_mail.SCORED, unseen_mail.KINDS, unseen_mail.generate),
    "3": Spec("vCard contacts, iCalendar events, sshd/sudo and postfix logs, a Spring Boot log "
              "with stack traces, pretty-printed JSON profiles, an HTML table with header cells, "
              "an INI file, a semicolon CSV with French headers and a chat export",
              unseen_ops.SEED, unseen_ops.DEFAULT_MB, unseen_ops.LOCALES, unseen_ops.SCORED,
              tuple(sorted({*DISTRACTORS, *unseen_ops.KINDS})), unseen_ops.generate),
}


def section(number: str, seed: int | None, mb: float | None, ner: bool, workdir: Path) -> str:
    """One corpus generated in ``workdir``, scanned in each mode and scored: its report."""
    spec = CORPORA[number]
    seed = spec.seed if seed is None else seed
    mb = spec.mb if mb is None else mb
    corpus = workdir / f"corpus{number}"
    planted, distractors, texts = spec.generate(corpus, seed, mb)
    sizes = {p.name: p.stat().st_size for p in sorted(corpus.iterdir())}
    groups: defaultdict[str, list[int]] = defaultdict(list)  # mail_*.eml: 60 files
    for name, size in sizes.items():
        pattern = re.sub(r"\d+", "*", name)
        groups[pattern if sum(re.sub(r"\d+", "*", n) == pattern for n in sizes) > 1
               else name].append(size)
    total = sum(sizes.values()) / 1e6
    out = [f"## Corpus {number}: seed {seed}, {total:.2f} MB\n",
           f"`--corpus {number} --seed {seed} --mb {mb:g}`: {spec.shapes}; {len(sizes)} files, "
           f"locales {', '.join(spec.locales)}; scored: {', '.join(spec.scored)}.\n",
           "| file | KB |\n|---|---:|",
           *(f"| {n}{f' ({len(b)} files)' if len(b) > 1 else ''} | {sum(b) / 1e3:,.0f} |"
             for n, b in sorted(groups.items())),
           f"\n{len(distractors):,} distinct distractor values of {len(spec.kinds)} kinds: "
           f"{', '.join(spec.kinds)}.\n"]
    paths = {str(corpus / n): t for n, t in texts.items()}
    modes = [("`--no-ner`", ["--no-ner"])] + ([("defaults (NER on)", [])] if ner else [])
    for label, extra in modes:
        run = run_cli(corpus, extra, workdir, f"Corpus {number}, {label}")
        out.append(report(run, total, planted, distractors, spec.scored, paths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=(*CORPORA, "all"), default="all",
                    help="which corpus [all: every one, each with its own seed and size]")
    ap.add_argument("--seed", type=int,
                    help="Faker seed [4242 for corpus 1, 777 for corpus 2, 31337 for corpus 3]")
    ap.add_argument("--mb", type=float,
                    help=f"corpus size in MB [1.5 for corpus 1, {unseen_mail.DEFAULT_MB:g} for "
                    "corpus 2: its text files' size; the mails and rows in proportion; "
                    f"{unseen_ops.DEFAULT_MB:g} for corpus 3]")
    ap.add_argument("--ner", action="store_true", help="also the default full mode (NER on)")
    args = ap.parse_args(argv)
    numbers = list(CORPORA) if args.corpus == "all" else [args.corpus]
    flags = f"--corpus {args.corpus}"
    flags += "" if args.seed is None else f" --seed {args.seed}"
    flags += "" if args.mb is None else f" --mb {args.mb:g}"
    flags += " --ner" if args.ner else ""
    print("# Unseen data: formats and locales the classifiers were not written against\n")
    print(f"Produced by `.venv/bin/python benchmarks/unseen.py {flags}` on "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({revision()}): "
          f"{' and '.join(f'corpus {n}' for n in numbers)}, Faker data in shapes and locales "
          "unlike the project's own corpora (see the module docstrings of benchmarks/unseen.py "
          "and benchmarks/unseen_mail.py). Each run is `piiscout scan DIR [--no-ner] "
          "--no-progress --format jsonl -o OUT --db sqlite:///...` in a fresh `PIISCOUT_HOME`, "
          "timed wall-clock; a finding is true when its keyed hash is that of a value planted for "
          "its entity; precision = true findings / findings, recall = distinct planted values "
          "found / distinct planted values.\n")
    print("*What it was*, below: a distractor's kind (the whole value), `planted ENTITY` (another "
          "entity's planted value), `part of` or `contains` (a span inside or around one of "
          "those, one at least half as long as the span), `other text` (the span, found on the finding's line, or on a line of a mail's "
          "or office file's readable text, is none of them), `span not recovered` (no such line "
          "has a span with the finding's preview and hash: a value joined across elements or "
          "lines). Distractor kinds `ctx:...` (corpus 2) are context the generator wrote and did "
          "not plant: a city, street, company, job, first name, user name, a card's last four "
          "digits.\n")
    print("What each round of fixes changed, run before and after by hand: "
          "[unseen-rounds.md](unseen-rounds.md).\n")
    with tempfile.TemporaryDirectory(prefix="piiscout-unseen-") as tmp:
        for number in numbers:
            print(section(number, args.seed, args.mb, args.ner, Path(tmp)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
