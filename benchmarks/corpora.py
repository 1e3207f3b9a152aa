"""The corpora of ``make bench`` (benchmarks/throughput.py), made with Faker's *default* providers
and a fixed seed, with every planted value recorded.

* :func:`dense` -- dense mixed text: prose, a CSV, an access/application log and NDJSON events
  full of ``phone_number()``, ``credit_card_number()``, ``iban()``, ``ipv4()``/``ipv6()``,
  ``user_agent()``, e-mails and names, with ``date_time().isoformat()`` timestamps (microseconds),
  order and job numbers, durations and amounts between them (what phone validators trip on).
* :func:`share` -- a department share: docx, xlsx, pdf, eml, json, log, csv and md files of
  mostly ordinary business text (memos, budgets, invoices, release notes, meeting notes) with
  sparse personal data in signatures, staff lists and the odd customer record.
* :func:`table` -- one SQLite table of customers (``rows`` rows), built from pools of Faker values.

Each returns a :class:`Corpus`: the files, the planted values by family (the piiscout entity
that should report them) and how often each was written, and the plain text the peers are given
(for office files and PDFs: the text written into them, so the peers pay no extraction cost).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

# What the truth covers: each family is the piiscout entity that reports it.
FAMILIES = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
            "USER_AGENT")
SEED = 1234
# Faker's date providers end at "now" by default; a fixed end keeps a seed's corpus byte-identical.
END = datetime(2026, 1, 1)


@dataclass
class Corpus:
    name: str
    root: Path
    files: list[Path] = field(default_factory=list)
    values: dict[str, set[str]] = field(default_factory=lambda: {f: set() for f in FAMILIES})
    occurrences: Counter[str] = field(default_factory=Counter)
    texts: list[str] = field(default_factory=list)  # what the peers read, one text per file

    def plant(self, family: str, value: str) -> str:
        self.values[family].add(value)
        self.occurrences[family] += 1
        return value

    @property
    def megabytes(self) -> float:
        return sum(p.stat().st_size for p in self.files) / 1e6

    @property
    def text_megabytes(self) -> float:
        return sum(len(t.encode()) for t in self.texts) / 1e6


def _faker(seed: int) -> Any:
    from faker import Faker

    fake = Faker()  # the default locale (en_US) and default providers
    fake.seed_instance(seed)
    return fake


def _day(fake: Any, since: int = 2020) -> date:
    return fake.date_between(date(since, 1, 1), END.date())


def _stamp(fake: Any) -> str:
    """``date_time().isoformat()`` with microseconds (Faker leaves them 0 some of the time), up to
    END."""
    dt = fake.date_time(end_datetime=END)
    if not dt.microsecond:
        dt = dt.replace(microsecond=fake.random_int(1, 999_999))
    return dt.isoformat()


class _Planter:
    """Faker values, each recorded in the corpus as it is drawn for writing."""

    def __init__(self, corpus: Corpus, fake: Any) -> None:
        self.c, self.f = corpus, fake

    def name(self) -> str:
        # first + last: Faker's name() adds titles and suffixes ("Dr.", "MD") a name finder may
        # rightly leave out of the span, which would count as a miss of the whole name
        return self.c.plant("PERSON", f"{self.f.first_name()} {self.f.last_name()}")

    def email(self) -> str:
        return self.c.plant("EMAIL_ADDRESS", self.f.email())

    def phone(self) -> str:
        return self.c.plant("PHONE_NUMBER", self.f.phone_number())

    def card(self) -> str:
        return self.c.plant("CREDIT_CARD", self.f.credit_card_number())

    def iban(self) -> str:
        return self.c.plant("IBAN_CODE", self.f.iban())

    def ipv4(self) -> str:
        return self.c.plant("IP_ADDRESS", self.f.ipv4_public())

    def ipv6(self) -> str:
        return self.c.plant("IP_ADDRESS", self.f.ipv6())

    def ua(self) -> str:
        return self.c.plant("USER_AGENT", self.f.user_agent())


def _fill(path: Path, make: Callable[[], str], size: int, head: str = "") -> str:
    parts, n = [head], len(head.encode())
    while n < size:
        s = make()
        parts.append(s)
        n += len(s.encode())
    text = "".join(parts)
    path.write_text(text, encoding="utf-8")
    return text


# -- (a) dense mixed text ---------------------------------------------------------------------
def dense(dest: Path, megabytes: float, seed: int = SEED) -> Corpus:
    dest.mkdir(parents=True, exist_ok=True)
    c = Corpus("dense mixed text", dest)
    fake = _faker(seed)
    p = _Planter(c, fake)
    f = fake
    share = int(megabytes * 1_000_000 / 4)

    def paragraph() -> str:
        sentences = []
        for _ in range(5):
            k = f.random_int(0, 7)
            if k == 0:
                sentences.append(f"{p.name()} can be reached at {p.email()} or {p.phone()}.")
            elif k == 1:
                sentences.append(f"Please charge card {p.card()} for the order of {p.name()}.")
            elif k == 2:
                sentences.append(f"Salary for {p.name()} goes to IBAN {p.iban()} from next month.")
            elif k == 3:
                sentences.append(f"{p.name()} logged in from {p.ipv4()} at {_stamp(f)}.")
            elif k == 4:
                sentences.append(f"Call {p.phone()} to confirm order {f.random_int(10**9, 10**10)}.")
            else:
                sentences.append(f.sentence())
        return " ".join(sentences) + "\n\n"

    def row() -> str:
        return (f"{f.random_int(1, 10**7)},{p.name()},{p.email()},{p.phone()},{p.card()},"
                f"{p.iban()},{p.ipv4()},{_stamp(f)}\n")

    def log_line() -> str:
        if f.random_int(0, 1):
            return (f'{p.ipv4()} - - [{f.date_time(end_datetime=END):%d/%b/%Y:%H:%M:%S} +0000] "GET /'
                    f'{f.uri_path()} HTTP/1.1" {f.random_element([200, 302, 404])} '
                    f'{f.random_int(200, 99999)} "-" "{p.ua()}"\n')
        return (f"{_stamp(f)} INFO worker job={f.random_int(10**8, 10**10)} "
                f"order_id={f.random_int(10**9, 10**10)} user={p.email()} "
                f"took={f.pyfloat(0, 9, positive=True)}s\n")

    def event() -> str:
        rec = {"ts": _stamp(f), "user": p.name(), "email": p.email(), "phone": p.phone(),
               "card": p.card(), "ip": p.ipv6(), "ua": p.ua(),
               "order_id": f.random_int(10**9, 10**10),
               "amount": f.pyfloat(3, 2, positive=True)}
        return json.dumps(rec, ensure_ascii=False) + "\n"

    head = "id,name,email,phone,card_number,iban,ip,created_at\n"
    for name, make, h in (("prose.txt", paragraph, ""), ("people.csv", row, head),
                          ("access.log", log_line, ""), ("events.ndjson", event, "")):
        c.texts.append(_fill(dest / name, make, share, h))
        c.files.append(dest / name)
    return c


# -- (b) a department share -------------------------------------------------------------------
class _Business:
    """Ordinary business text: no personal data, but plenty of numbers that are not phones."""

    def __init__(self, fake: Any) -> None:
        self.f = fake

    def sentence(self) -> str:
        f = self.f
        k = f.random_int(0, 9)
        if k == 0:
            return (f"{f.company()} agreed to {f.bs()} by {_day(f).isoformat()}.")
        if k == 1:
            return (f"Invoice INV-{f.random_int(10000, 99999)} for {f.pyfloat(4, 2, positive=True)}"
                    f" EUR is due on {_day(f, 2025):%d/%m/%Y}.")
        if k == 2:
            return (f"Version {f.random_int(1, 9)}.{f.random_int(0, 20)}.{f.random_int(0, 9999999)}"
                    f" of the {f.catch_phrase().lower()} ships next sprint.")
        if k == 3:
            return (f"Order {f.random_int(10**9, 10**10)} was packed in {f.random_int(1, 40)} "
                    f"boxes ({f.pyfloat(3, 3, positive=True)} kg).")
        if k == 4:
            return (f"The {f.job().lower()} team met in room {f.random_int(100, 999)} at "
                    f"{f.time(end_datetime=END)} to review the {f.bs()} roadmap.")
        if k == 5:
            return (f"Budget line {f.random_int(1000, 9999)}-{f.random_int(10, 99)}-"
                    f"{f.random_int(1000, 9999)} is {f.random_int(1, 95)}% spent.")
        return f.sentence(nb_words=f.random_int(8, 18))

    def paragraph(self, n: int = 5) -> str:
        return " ".join(self.sentence() for _ in range(n))


def share(dest: Path, megabytes: float, seed: int = SEED) -> Corpus:
    """About ``megabytes`` MB on disk of office files, PDFs, mail, JSON, logs, CSV and Markdown."""
    import openpyxl
    from docx import Document
    from fpdf import FPDF

    dest.mkdir(parents=True, exist_ok=True)
    c = Corpus("department share", dest)
    fake = _faker(seed + 1)
    p, b, f = _Planter(c, fake), _Business(fake), fake

    def signature() -> str:
        return f"{p.name()}\n{f.job()}, {f.company()}\nTel. {p.phone()}\n{p.email()}"

    def body(paragraphs: int) -> list[str]:
        out = [b.paragraph(f.random_int(3, 7)) for _ in range(paragraphs)]
        if f.random_int(0, 9) == 0:
            out.insert(1, f"Refunds go to {p.name()}, IBAN {p.iban()}.")
        if f.random_int(0, 11) == 0:
            out.insert(1, f"Travel for {p.name()} goes on the corporate card {p.card()}.")
        return out

    def docx(path: Path) -> str:
        doc = Document()
        paras = [f"Memo: {f.catch_phrase()}", *body(f.random_int(4, 12)), signature()]
        for para in paras:
            doc.add_paragraph(para)
        doc.save(str(path))
        return "\n".join(paras)

    def xlsx(path: Path) -> str:
        wb = openpyxl.Workbook()
        ws = wb.active
        rows: list[list[object]] = [["cost centre", "item", "quarter", "amount", "owner"]]
        for _ in range(f.random_int(40, 200)):
            rows.append([f.random_int(1000, 9999), f.bs(), f"Q{f.random_int(1, 4)}",
                         f.pyfloat(5, 2, positive=True), f.job()])
        if f.random_int(0, 3) == 0:  # a staff contact sheet
            rows.append(["name", "email", "phone", "room", ""])
            rows += [[p.name(), p.email(), p.phone(), f.random_int(100, 999), ""]
                     for _ in range(f.random_int(3, 15))]
        for r in rows:
            ws.append(r)
        wb.save(str(path))
        return "\n".join("\t".join(str(v) for v in r) for r in rows)

    def pdf(path: Path) -> str:
        doc = FPDF()
        doc.add_page()
        doc.set_font("Helvetica", size=10)
        paras = [f"Quarterly report: {f.catch_phrase()}", *body(f.random_int(5, 15)), signature()]
        text = "\n\n".join(paras)
        safe = text.encode("latin-1", "replace").decode("latin-1")
        doc.multi_cell(0, 5, safe)
        doc.output(str(path))
        return safe

    def eml(path: Path) -> str:
        msg = EmailMessage()
        sender, to = (p.name(), p.email()), (p.name(), p.email())
        msg["From"] = f"{sender[0]} <{sender[1]}>"
        msg["To"] = f"{to[0]} <{to[1]}>"
        msg["Subject"] = f.catch_phrase()
        msg["Date"] = f.date_time(end_datetime=END).strftime("%a, %d %b %Y %H:%M:%S +0000")
        msg.set_content("\n\n".join([*body(f.random_int(2, 6)), signature()]))
        raw = msg.as_string()
        path.write_text(raw, encoding="utf-8")
        return raw

    def jsondoc(path: Path) -> str:
        orders = []
        for _ in range(f.random_int(20, 120)):
            o: dict[str, object] = {"order_id": f.random_int(10**9, 10**10), "created": _stamp(f),
                                    "total": f.pyfloat(4, 2, positive=True), "sku": f.ean13(),
                                    "status": f.random_element(["paid", "shipped", "void"])}
            if f.random_int(0, 19) == 0:
                o["customer"] = {"name": p.name(), "email": p.email()}
            orders.append(o)
        text = json.dumps({"export": f.catch_phrase(), "orders": orders}, indent=1)
        path.write_text(text, encoding="utf-8")
        return text

    def log(path: Path) -> str:
        lines = []
        for _ in range(f.random_int(100, 600)):
            k = f.random_int(0, 29)
            extra = f" client={p.ipv4()}" if k == 0 else f" user={p.email()}" if k == 1 else ""
            lines.append(f"{_stamp(f)} {f.random_element(['INFO', 'WARN', 'DEBUG'])} "
                         f"job={f.random_int(10**6, 10**10)} task={f.random_int(1, 99999)} "
                         f"elapsed={f.pyfloat(1, 6, positive=True)}s{extra}")
        text = "\n".join(lines) + "\n"
        path.write_text(text, encoding="utf-8")
        return text

    def csvdoc(path: Path) -> str:
        lines = ["order_id,date,amount,status,contact"]
        for _ in range(f.random_int(50, 400)):
            contact = p.email() if f.random_int(0, 24) == 0 else ""
            lines.append(f"{f.random_int(10**9, 10**10)},{_day(f).isoformat()},"
                         f"{f.pyfloat(4, 2, positive=True)},{f.random_element(['open', 'closed'])},"
                         f"{contact}")
        text = "\n".join(lines) + "\n"
        path.write_text(text, encoding="utf-8")
        return text

    def md(path: Path) -> str:
        parts = [f"# Meeting notes: {f.catch_phrase()}", ""]
        for _ in range(f.random_int(3, 8)):
            parts += [f"## {f.bs().title()}", "", b.paragraph(f.random_int(3, 8)), ""]
            parts += [f"- {b.sentence()}" for _ in range(f.random_int(1, 4))]
            parts.append("")
        if f.random_int(0, 4) == 0:
            parts.append(f"Action: {p.name()} to follow up ({p.email()}, {p.phone()}).")
        text = "\n".join(parts) + "\n"
        path.write_text(text, encoding="utf-8")
        return text

    makers: list[tuple[str, Callable[[Path], str]]] = [
        ("docx", docx), ("xlsx", xlsx), ("pdf", pdf), ("eml", eml), ("json", jsondoc),
        ("log", log), ("csv", csvdoc), ("md", md),
    ]
    target, size, i = megabytes * 1_000_000, 0, 0
    while size < target:
        ext, make = makers[i % len(makers)]
        folder = dest / ("finance", "hr", "sales", "it", "projects")[i % 5]
        folder.mkdir(exist_ok=True)
        path = folder / f"{ext}-{i:05d}.{ext}"
        c.texts.append(make(path))
        c.files.append(path)
        size += path.stat().st_size
        i += 1
    return c


# -- (c) a table ------------------------------------------------------------------------------
def table(dest: Path, rows: int, seed: int = SEED) -> Corpus:
    """``customers`` with ``rows`` rows in ``dest/crm.db``, drawn from pools of 5,000 Faker
    values per column (a million Faker calls per column would take minutes)."""
    dest.mkdir(parents=True, exist_ok=True)
    c = Corpus("1,000,000-row table" if rows == 1_000_000 else f"{rows:,}-row table", dest)
    fake = _faker(seed + 2)
    n = min(rows, 5000)
    pools = {
        "name": [f"{fake.first_name()} {fake.last_name()}" for _ in range(n)],
        "email": [fake.email() for _ in range(n)],
        "phone": [fake.phone_number() for _ in range(n)],
        "city": [fake.city() for _ in range(n)],
        "note": [fake.sentence() for _ in range(n)],
    }
    r = random.Random(seed)
    path = dest / "crm.db"
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, "
                "phone TEXT, city TEXT, created_at TEXT, note TEXT)")

    def batch() -> Iterator[tuple[object, ...]]:
        for i in range(1, rows + 1):
            stamp = (f"20{r.randint(10, 25)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T"
                     f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}."
                     f"{r.randint(0, 999999):06d}")
            yield (i, *(pools[k][r.randrange(n)] for k in ("name", "email", "phone", "city")),
                   stamp, pools["note"][r.randrange(n)])

    con.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)", batch())
    con.commit()
    con.close()
    c.files.append(path)
    for family, col in (("PERSON", "name"), ("EMAIL_ADDRESS", "email"),
                        ("PHONE_NUMBER", "phone")):
        c.values[family] = set(pools[col])
    return c
