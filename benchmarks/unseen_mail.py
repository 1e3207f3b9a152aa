"""The unseen-data benchmark's second corpus (:mod:`benchmarks.unseen`, ``--corpus 2``).

Faker seed ``--seed`` (777), sixteen locales (``no_NO`` stands in for Norwegian Bokmål, which
Faker has not) in shapes unlike the first corpus's and :mod:`benchmarks.corpora`'s: 60 .eml mails
(Received and User-Agent headers, a signature, a CSV attachment to every fourth), two .docx
letters with a table, an .xlsx sheet of customers and one of stock, a ``;``-separated bank export
with European decimals and dates, Kubernetes JSON log lines, an Apache error log, a Windows-event
CSV export, a mysqldump SQL file and CRM prose notes. Around every planted value, numbers and
words that are not personal data (*distractors*: European amounts and dates, EAN-8/13, ISBN-10,
SHA-256, semantic versions, order and invoice numbers, file sizes, thread and process ids, ports,
coordinates...) and context that is not planted (``ctx:``: a city, street, company, job, first
name, user name or a card's last four digits), each recorded with its kind. ``--mb`` scales the
text files' sizes, the number of mails and the sheets' rows (the letters are always two).
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

LOCALES = ("en_US", "en_GB", "en_IE", "en_AU", "en_CA", "en_IN", "de_AT", "de_CH", "fr_CA",
           "pt_PT", "pt_BR", "pl_PL", "da_DK", "fi_FI", "no_NO", "cs_CZ")
SCORED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
          "USER_AGENT", "PERSON")  # no MAC address is planted: a MAC_ADDRESS finding is false
KINDS = ("building_no", "bytes", "caller", "count", "ctx:card_last4", "ctx:city", "ctx:company",
         "ctx:first_name", "ctx:job", "ctx:street", "ctx:username", "duration", "ean13", "ean8",
         "epoch_frac", "eu_date", "eu_decimal", "file_size", "http_status", "invoice", "isbn10",
         "iso_date", "latitude", "longitude", "order_no", "order_no2", "pid", "port", "postcode",
         "price", "semver", "sha256", "uuid4")
DEFAULT_MB = 1.65  # the size --mb scales from: 60 mails, 350 + 150 rows, the sizes below
START, END = datetime(2024, 1, 1), datetime(2026, 12, 31)
TEXT_FILES = {"bank_export_eu.csv": 230_000, "pods.jsonl": 300_000, "error_log": 220_000,
              "security_events.csv": 200_000, "shop_dump.sql": 230_000,
              "crm_notes.txt": 170_000}  # file -> bytes at DEFAULT_MB

SUBJECTS = ("Re: your renewal", "Invoice {inv} overdue", "Meeting next week",
            "FW: updated contact list", "Order {ord} shipped", "Quick question about the contract",
            "Welcome aboard", "Re: Re: delivery window")
LEDGER_HEAD = ("Buchungsdatum;Valuta;Empfänger;IBAN;Betrag;Saldo;Verwendungszweck;Referenz;Telefon;"
               "EAN\n")
K8S_MESSAGES = ("request completed", "login succeeded", "login failed", "cache miss",
                "upstream timeout", "token refreshed", "payment authorised")
APACHE = (("AH01114", "HTTP: failed to make connection to backend: 127.0.0.1"),
          ("AH00128", "File does not exist: /var/www/html/{w}.php"),
          ("AH01630", "client denied by server configuration: /srv/{w}"),
          ("AH02032", "Hostname {h} provided via SNI and hostname {h} provided via HTTP have no "
                      "compatible SSL setup"),
          ("AH01071", "Got error 'PHP message: PHP Warning:  Undefined array key \"{w}\" in "
                      "/var/www/{w}.php on line {n}'"),
          ("AH00124", "Request exceeded the limit of 10 internal redirects due to probable "
                      "configuration error."))
APACHE_MODULES = ("proxy:error", "core:error", "authz_core:error", "ssl:warn", "proxy_fcgi:error",
                  "php7:notice")
EVENTS_HEAD = "Level,Date and Time,Source,Event ID,Task Category,Description\n"
SQL_HEAD = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
-- Host: 127.0.0.1    Database: shop
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `customer`;
CREATE TABLE `customer` (
  `id` int NOT NULL AUTO_INCREMENT, `full_name` varchar(120), `mail` varchar(200), `tel` varchar(40),
  `pan` varchar(24), `iban` varchar(34), `signup_ip` varchar(45), `ua` text, `pw_hash` char(64),
  `balance` decimal(12,2), `lat` decimal(9,6), `lon` decimal(9,6), `created_at` datetime, `zip` varchar(12),
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=100000 DEFAULT CHARSET=utf8mb4;
LOCK TABLES `customer` WRITE;
"""


class Person:
    """A person of a locale (random unless given) whose values are planted as they are drawn;
    ``avoid``: characters a value must not hold (a CSV's separator, an SQL quote)."""

    def __init__(self, c: MailCorpus, locale: str | None = None, avoid: str = "") -> None:
        self.c, self.l = c, locale or c.r.choice(LOCALES)
        self.f, self.avoid = c.fakers[self.l], avoid

    def _plant(self, entity: str, draw: Callable[[], str]) -> str:
        for _ in range(50):
            v = draw()
            if not any(ch in v for ch in self.avoid):
                self.c.planted[entity].add(v)
                return v
        raise RuntimeError(f"no {entity} without {self.avoid!r} in 50 draws")

    def name(self) -> str:
        return self._plant("PERSON", self.f.name)

    def email(self) -> str:
        return self._plant("EMAIL_ADDRESS", self.f.email)

    def phone(self) -> str:
        return self._plant("PHONE_NUMBER", self.f.phone_number)

    def card(self) -> str:
        return self._plant("CREDIT_CARD", self.f.credit_card_number)

    def iban(self) -> str:
        return self._plant("IBAN_CODE", self.f.iban)

    def ipv4(self) -> str:
        return self._plant("IP_ADDRESS", self.f.ipv4)

    def ipv6(self) -> str:
        return self._plant("IP_ADDRESS", self.f.ipv6)

    def ip(self) -> str:
        return self.ipv6() if self.c.r.random() < .3 else self.ipv4()

    def ua(self) -> str:
        return self._plant("USER_AGENT", self.f.user_agent)

    def ctx(self, kind: str) -> str:
        """Context that is not planted: ``ctx:city``, ``ctx:street``... (a Faker provider)."""
        getter = {"street": "street_name", "username": "user_name"}.get(kind, kind)
        return self.c.d(f"ctx:{kind}", getattr(self.f, getter)())

    def postcode(self) -> str:
        return self.c.d("postcode", self.f.postcode())

    def building_no(self) -> str:
        return self.c.d("building_no", self.f.building_number())


class MailCorpus:
    """The generator: a random source, its Fakers (one a locale, one for the rest), what it
    planted, the distractors it wrote and the readable text of its mails and office files (file
    name -> text: the decoded headers, body and attachment; a paragraph or a row a line)."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.seed, self.r = seed, random.Random(seed)
        self.fakers: dict[str, Any] = {loc: Faker(loc) for loc in LOCALES}
        for i, fake in enumerate(self.fakers.values()):
            fake.seed_instance(seed + i)
        self.f = Faker()
        self.f.seed_instance(seed)
        self.planted: defaultdict[str, set[str]] = defaultdict(set)
        self.distractors: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.sql_id = 100000

    def d(self, kind: str, value: object) -> str:
        """A distractor written: recorded with its kind (or kinds: ``count or port``)."""
        v = str(value)
        kinds = {kind, *self.distractors.get(v, kind).split(" or ")}
        self.distractors[v] = " or ".join(sorted(kinds))
        return v

    # -- distractors --------------------------------------------------------------------------
    def when(self) -> datetime:
        return self.f.date_time_between(START, END)

    def iso_date(self) -> str:
        return self.d("iso_date", self.when().date().isoformat())

    def eu_date(self) -> str:
        return self.d("eu_date", self.when().strftime("%d.%m.%Y"))

    def epoch_frac(self) -> str:
        t = self.when().replace(tzinfo=UTC).timestamp()
        return self.d("epoch_frac", f"{t + self.r.random():.3f}")

    def eur(self, lo: int = 1, hi: int = 7) -> str:
        """A European amount: ``63.213,66``."""
        v = self.f.pydecimal(left_digits=self.r.randint(lo, hi), right_digits=2, positive=True)
        return self.d("eu_decimal", f"{v:,.2f}".replace(",", "X").replace(".", ",")
                      .replace("X", "."))

    def price(self) -> str:
        return self.d("price", f"{self.r.randint(1, 99999)}.{self.r.randint(0, 99):02d}")

    def ean8(self) -> str:
        return self.d("ean8", self.f.ean8())

    def ean13(self) -> str:
        return self.d("ean13", self.f.ean13())

    def isbn10(self) -> str:
        return self.d("isbn10", self.f.isbn10())

    def uuid(self) -> str:
        return self.d("uuid4", self.f.uuid4())

    def sha256(self) -> str:
        return self.d("sha256", self.f.sha256())

    def semver(self) -> str:
        r = self.r
        return self.d("semver", f"{r.randint(0, 12)}.{r.randint(0, 40)}.{r.randint(0, 300)}")

    def order(self) -> str:
        return self.d("order_no", self.f.numerify("#########"))

    def order2(self) -> str:
        return self.d("order_no2", self.f.bothify("SO-########"))

    def invoice(self) -> str:
        return self.d("invoice", self.f.bothify("??-####-####").upper())

    def duration(self) -> str:
        r = self.r
        return self.d("duration", r.choice([f"{r.randint(0, 9999)}ms", f"{r.random() * 90:.3f}s",
                                            f"{r.randint(1, 59)}m{r.randint(0, 59)}s"]))

    def status(self) -> str:
        return self.d("http_status", self.r.choice(
            [200, 200, 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 409, 429, 500, 502, 503]))

    def nbytes(self) -> str:
        return self.d("bytes", self.r.randint(0, 99_999_999))

    def caller(self) -> str:
        pkg = self.r.choice(["server", "handler", "client", "store", "auth", "grpc"])
        return self.d("caller", f"{pkg}/{self.f.word()}.go:{self.r.randint(1, 2400)}")

    def pid(self) -> str:
        return self.d("pid", self.r.randint(2, 4194304))

    def port(self) -> str:
        return self.d("port", self.f.port_number())

    def lat(self) -> str:
        return self.d("latitude", self.f.latitude())

    def lon(self) -> str:
        return self.d("longitude", self.f.longitude())

    def file_size(self) -> str:
        r = self.r
        return self.d("file_size", r.choice([f"{r.randint(1, 999)} KB", f"{r.random() * 99:.1f} MB",
                                             f"{r.randint(1000, 9_999_999_999)}"]))

    def count(self) -> str:
        return self.d("count", self.r.randint(0, 500000))

    # -- mails --------------------------------------------------------------------------------
    def signature(self, p: Person) -> str:
        lines = ["--", p.name(), f"{p.ctx('job')} | {p.ctx('company')}", f"Tel: {p.phone()}"]
        if self.r.random() < .6:
            lines.append(f"Mobile: {p.phone()}")
        if self.r.random() < .3:
            lines.append(f"Fax {p.phone()}")
        lines.append(f"{p.building_no()} {p.ctx('street')}, {p.postcode()} {p.ctx('city')}")
        return "\n".join(lines)

    def mail(self, dest: Path, i: int) -> None:
        r, f = self.r, self.f
        s, to = Person(self), Person(self)
        sender, sender_mail, to_name, address = s.name(), s.email(), to.name(), to.email()
        m = EmailMessage()
        relay = s.ipv4()
        m["Received"] = (f"from mail{r.randint(1, 40)}.{f.domain_name()} ([{relay}]) by "
                         f"mx.{f.domain_name()} with ESMTPS id {f.bothify('??#?##?#??').upper()} "
                         f"for <{address}>; {format_datetime(self.when().replace(tzinfo=UTC))}")
        m["From"], m["To"] = formataddr((sender, sender_mail)), formataddr((to_name, address))
        if r.random() < .4:
            cc = Person(self)
            m["Cc"] = formataddr((cc.name(), cc.email()))
        m["Date"] = format_datetime(self.when().replace(tzinfo=UTC))
        m["Message-ID"] = f"<{self.uuid()}@{f.domain_name()}>"
        m["Subject"] = r.choice(SUBJECTS).format(inv=self.invoice(), ord=self.order())
        m["User-Agent"] = s.ua()
        m["X-Originating-IP"] = f"[{s.ip()}]"
        m["X-Spam-Score"] = f"{r.random() * 10:.1f}"
        body = [f"Hi {to.ctx('first_name')},", "",
                f"{f.paragraph(nb_sentences=3)} The order {self.order()} (invoice "
                f"{self.invoice()}) was shipped on {self.iso_date()} from warehouse "
                f"{r.randint(1, 60)}; tracking weight {r.randint(1, 90)},{r.randint(0, 9)} kg, "
                f"total {self.eur()} EUR.", ""]
        if r.random() < .4:
            body += [f"Could you call me back on {s.phone()} before {r.randint(8, 17)}:00? My "
                     f"colleague {Person(self, s.l).name()} is also reachable at "
                     f"{Person(self, s.l).email()}.", ""]
        if r.random() < .25:
            body += [f"Please wire the outstanding {self.eur()} to {s.iban()} quoting reference "
                     f"{self.invoice()}.", ""]
        body += [f.paragraph(nb_sentences=4), "", "Best regards,", "", self.signature(s)]
        text = "\n".join(body) + "\n"
        m.set_content(text)
        attachment = ""
        if i % 4 == 0:
            rows = [["name", "email", "phone", "city", "postcode", "joined", "score", "sku"]]
            for _ in range(r.randint(15, 40)):
                q = Person(self)
                rows.append([q.name(), q.email(), q.phone(), q.ctx("city"), q.postcode(),
                             self.iso_date(), f"{r.random() * 100:.2f}", self.ean13()])
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            attachment = buf.getvalue()
            m.add_attachment(attachment.encode(), maintype="text", subtype="csv",
                             filename=f"contacts_{i}.csv")
            m.set_boundary(f"{'=' * 15}{self.seed:04d}{i:015d}==")  # not the email module's random
        name = f"mail_{i:03d}.eml"
        (dest / name).write_bytes(bytes(m))
        headers = "\n".join(f"{k}: {v}" for k, v in m.items())
        self.texts[name] = headers + "\n" + text + attachment

    # -- office files -------------------------------------------------------------------------
    def letter(self, dest: Path, i: int) -> None:
        from docx import Document

        r, f = self.r, self.f
        p, to = Person(self), Person(self)
        lines: list[str] = []
        doc = Document()

        def para(text: str) -> None:
            doc.add_paragraph(text)
            lines.append(text)
        para(f"{p.ctx('company')}, {p.building_no()} {p.ctx('street')}, {p.postcode()} "
             f"{p.ctx('city')}")
        para(f"Phone {p.phone()} · {p.email()}")
        para(self.eu_date())
        para(f"Dear {to.name()},")
        para(f"{f.paragraph(nb_sentences=5)} Your policy number {self.order2()} was renewed for "
             f"version {self.semver()} of the terms; the premium of {self.eur(2, 4)} EUR will be "
             f"debited from {to.iban()} on {self.eu_date()}.")
        para(f"If you have questions, reach {Person(self, p.l).name()} at "
             f"{Person(self, p.l).phone()} or write to {Person(self, p.l).email()}. We recorded "
             f"your last login from {to.ip()} using {to.ua()}.")
        para(f.paragraph(nb_sentences=6))
        head = ["Item", "EAN", "Qty", "Unit price", "Contact"]
        table = doc.add_table(rows=1, cols=len(head))
        for cell, h in zip(table.rows[0].cells, head, strict=True):
            cell.text = h
        lines.append("\t".join(head))
        for _ in range(12):
            q = Person(self)
            values = [f.word().title(), self.ean13(), str(r.randint(1, 40)), self.eur(1, 3),
                      q.phone()]
            for cell, v in zip(table.add_row().cells, values, strict=True):
                cell.text = v
            lines.append("\t".join(values))
        para("Yours sincerely,")
        para(p.name())
        para(f.job())
        name = f"letter_{i}.docx"
        doc.save(str(dest / name))
        self.texts[name] = "\n".join(lines) + "\n"

    def sheet(self, dest: Path, scale: float) -> None:
        from openpyxl import Workbook

        r = self.r
        wb = Workbook()
        ws = wb.active
        ws.title = "Customers"
        head = ["Customer ID", "Name", "E-mail", "Phone", "IBAN", "Card", "Last IP", "Postcode",
                "Balance", "Created", "EAN", "Orders", "Lat", "Lon"]
        ws.append(head)
        lines = ["\t".join(head)]
        for _ in range(max(8, round(350 * scale))):
            p = Person(self)
            row: list[object] = [
                self.order(), p.name(), p.email(), p.phone(), p.iban(),
                p.card() if r.random() < .6 else "", p.ip(), p.postcode(), float(self.price()),
                self.when(), self.ean13(), r.randint(0, 300), self.lat(), self.lon()]
            ws.append(row)
            lines.append("\t".join(map(str, row)))
        stock = wb.create_sheet("Stock")
        stock.append(["SKU", "ISBN", "Version", "Weight", "Price", "Batch"])
        for _ in range(max(4, round(150 * scale))):
            row = [self.ean8(), self.isbn10(), self.semver(), round(r.random() * 30, 3),
                   float(self.price()), self.uuid()]
            stock.append(row)
            lines.append("\t".join(map(str, row)))
        wb.save(str(dest / "customers.xlsx"))
        self.texts["customers.xlsx"] = "\n".join(lines) + "\n"

    # -- text files: a record each ------------------------------------------------------------
    def ledger_row(self) -> str:
        p = Person(self, avoid=";")
        tel = p.phone() if self.r.random() < .3 else ""
        return (f"{self.eu_date()};{self.eu_date()};{p.name()};{p.iban()};"
                f"{'-' if self.r.random() < .5 else ''}{self.eur()};{self.eur()};Rechnung "
                f"{self.invoice()} Kd.Nr. {self.order()};{self.order2()};{tel};{self.ean13()}\n")

    def k8s_line(self) -> str:
        r, p = self.r, Person(self)
        level = r.choice(["info"] * 6 + ["warn", "error", "debug"])
        d: dict[str, object] = {"level": level, "ts": float(self.epoch_frac()),
                                "caller": self.caller(), "msg": r.choice(K8S_MESSAGES)}
        k = r.random()
        if k < .5:
            d.update({"method": r.choice(["GET", "POST", "PUT"]),
                      "path": f"/api/v{r.randint(1, 3)}/orders/{self.order()}",
                      "status": int(self.status()), "bytes": int(self.nbytes()),
                      "latency": self.duration(),
                      "remote_addr": f"{p.ipv4()}:{self.port()}" if r.random() < .7 else p.ipv6(),
                      "user_agent": p.ua(), "trace_id": self.uuid()})
        elif k < .75:
            d.update({"user": p.email(), "client_ip": p.ip(), "session": self.sha256()[:32],
                      "attempt": r.randint(1, 5), "pid": int(self.pid())})
        elif k < .9:
            d.update({"customer": p.name(), "amount": float(self.price()),
                      "card_last4": self.d("ctx:card_last4", p.f.credit_card_number()[-4:]),
                      "order_id": self.order2(), "geo": [float(self.lat()), float(self.lon())]})
        else:
            d.update({"version": self.semver(),
                      "image": f"registry.local/app@sha256:{self.sha256()}",
                      "restarts": r.randint(0, 50), "uptime": self.duration(),
                      "mem_bytes": int(self.nbytes())})
        return json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n"

    def apache_line(self) -> str:
        r, f, p, t = self.r, self.f, Person(self), self.when()
        ts = f"{t:%a %b %d %H:%M:%S}.{r.randint(0, 999999):06d} {t:%Y}"
        code, msg = r.choice(APACHE)
        msg = msg.format(w=f.word(), h=f.domain_name(), n=r.randint(1, 900))
        module = r.choice(APACHE_MODULES)
        client = p.ipv4() if r.random() < .75 else p.ipv6()
        referer = (f", referer: https://{f.domain_name()}/{f.uri_path()}?id={self.order()}"
                   if r.random() < .5 else "")
        line = (f"[{ts}] [{module}] [pid {self.pid()}:tid "
                f"{r.randint(139000000000000, 140999999999999)}] [client {client}:{self.port()}] "
                f"{code}: {msg}{referer}\n")
        if r.random() < .1:
            line += (f"[{ts}] [auth_basic:error] [pid {self.pid()}] [client {p.ipv4()}:"
                     f"{self.port()}] AH01618: user {p.email()} not found: /admin\n")
        return line

    def event_row(self) -> str:
        r, p = self.r, Person(self)
        t = self.when().strftime("%m/%d/%Y %I:%M:%S %p")
        eid = r.choice([4624, 4625, 4634, 4672, 4688, 7036, 1000])
        if eid in (4624, 4625):
            account = p.email() if r.random() < .4 else p.ctx("username")
            desc = (f"An account was {'successfully logged on' if eid == 4624 else 'failed to log on'}"
                    f".\n\nSubject:\n\tSecurity ID:\t\tS-1-5-18\n\tAccount Name:\t\t{account}\n"
                    f"\tLogon ID:\t\t0x{r.randint(0x1000, 0xFFFFFF):X}\n\nLogon Type:\t\t\t"
                    f"{r.choice([2, 3, 10])}\n\nNetwork Information:\n\tWorkstation Name:\tWS-"
                    f"{r.randint(100, 9999)}\n\tSource Network Address:\t{p.ip()}\n\tSource Port:"
                    f"\t\t{self.port()}\n\nProcess Information:\n\tProcess ID:\t\t0x"
                    f"{r.randint(0x100, 0xFFFF):x}\n\tProcess Name:\t\t"
                    "C:\\Windows\\System32\\lsass.exe")
            category = "Logon"
        elif eid == 4688:
            desc = (f"A new process has been created.\n\tNew Process ID:\t\t{self.pid()}\n\tToken "
                    f"Elevation Type:\t%%1936\n\tCreator Process ID:\t{self.pid()}\n\tProcess "
                    f"Command Line:\t\"C:\\Program Files\\App\\app.exe\" --port {self.port()} "
                    f"--build {self.semver()}")
            category = "Process Creation"
        elif eid == 1000:
            desc = (f"Faulting application name: app.exe, version: {self.semver()}.0, time stamp: "
                    f"0x{r.randint(0, 2**32 - 1):08x}\nFaulting module name: ntdll.dll, version: "
                    f"10.0.{r.randint(10000, 22631)}.{r.randint(1, 4000)}\nException code: "
                    f"0xc0000005\nFault offset: 0x{r.randint(0, 2**32 - 1):08x}\nFaulting process "
                    f"id: 0x{r.randint(0x100, 0xFFFF):x}")
            category = "(100)"
        else:
            state = "running" if r.random() < .5 else "stopped"
            desc = (f"The {self.f.word().title()} Service service entered the {state} state. "
                    f"Elapsed {self.duration()}, handles {self.count()}.")
            category = "None"
        level = "Information" if eid != 4625 else "Audit Failure"
        desc = desc.replace('"', '""')
        return (f'{level},{t},Microsoft-Windows-Security-Auditing,{eid},{category},"{desc}"\n')

    def sql_statement(self) -> str:
        r, rows = self.r, []
        for _ in range(r.randint(3, 8)):
            p = Person(self, avoid="'\\")
            self.sql_id += r.randint(1, 9)
            card = f"'{p.card()}'" if r.random() < .5 else "NULL"
            ua = f"'{p.ua()}'" if r.random() < .5 else "NULL"
            rows.append(f"({self.sql_id},'{p.name()}','{p.email()}','{p.phone()}',{card},"
                        f"'{p.iban()}','{p.ip()}',{ua},'{self.sha256()}',{self.price()},"
                        f"{self.lat()},{self.lon()},'{self.when():%Y-%m-%d %H:%M:%S}',"
                        f"'{p.postcode()}')")
        s = "INSERT INTO `customer` VALUES " + ",".join(rows) + ";\n"
        if r.random() < .3:
            s += ("INSERT INTO `order_line` (`order_id`,`sku`,`qty`,`price`,`shipped`,`weight_g`,"
                  "`isbn`) VALUES " + ",".join(
                      f"({self.order()},'{self.ean13()}',{r.randint(1, 20)},{self.price()},"
                      f"'{self.iso_date()}',{self.count()},'{self.isbn10()}')"
                      for _ in range(r.randint(2, 6))) + ";\n")
        return s

    def crm_note(self) -> str:
        r, f, p, t = self.r, self.f, Person(self), self.when()
        name = p.name()
        s = [f"### Note {self.order2()} — {t:%d.%m.%Y %H:%M} — account {self.order()}", "",
             f"Spoke with {name} this morning about invoice {self.invoice()} ({self.eur(2, 5)} "
             f"EUR, due {self.eu_date()}). {f.sentence()} They can be reached on {p.phone()} most "
             f"afternoons, or by mail at {p.email()}. {f.sentence()}"]
        if r.random() < .5:
            s.append(f"Payment: the customer read out card {p.card()} over the phone; I told them "
                     "not to do that and suggested a transfer to our account instead. Their own "
                     f"IBAN for the refund is {p.iban()}.")
        if r.random() < .4:
            s.append(f"Support ticket shows logins from {p.ip()} and {p.ip()} within "
                     f"{self.duration()}; browser string was {p.ua()}. Build {self.semver()} of "
                     f"the portal, session {self.uuid()}.")
        s.append(f"Delivery to {p.building_no()} {p.ctx('street')}, {p.postcode()} "
                 f"{p.ctx('city')} (geo {self.lat()}, {self.lon()}); {r.randint(1, 12)} parcels, "
                 f"{self.file_size()} of scanned documents attached. "
                 f"{f.paragraph(nb_sentences=3)}")
        if r.random() < .35:
            q = Person(self, p.l)
            s.append(f"Follow-up: {q.name()} from their procurement team (tel. {q.phone()}) wants "
                     f"a quote for {self.count()} units of SKU {self.ean8()} by {self.iso_date()}.")
        return "\n".join(s) + "\n\n"


# text file -> (its record, head, tail)
RECORDS: dict[str, tuple[Callable[[MailCorpus], str], str, str]] = {
    "bank_export_eu.csv": (MailCorpus.ledger_row, LEDGER_HEAD, ""),
    "pods.jsonl": (MailCorpus.k8s_line, "", ""),
    "error_log": (MailCorpus.apache_line, "", ""),
    "security_events.csv": (MailCorpus.event_row, EVENTS_HEAD, ""),
    "shop_dump.sql": (MailCorpus.sql_statement, SQL_HEAD, "UNLOCK TABLES;\n"),
    "crm_notes.txt": (MailCorpus.crm_note, "# CRM notes export\n\n", ""),
}


def mail_count(megabytes: float) -> int:
    return max(4, round(60 * megabytes / DEFAULT_MB))


def file_names(megabytes: float) -> list[str]:
    """The files :func:`generate` writes for ``megabytes``."""
    return [*(f"mail_{i:03d}.eml" for i in range(mail_count(megabytes))), "letter_1.docx",
            "letter_2.docx", "customers.xlsx", *TEXT_FILES]


def generate(dest: Path, seed: int, megabytes: float
             ) -> tuple[dict[str, set[str]], dict[str, str], dict[str, str]]:
    """Write the corpus into ``dest``, its text files about ``megabytes`` MB in all (the mails
    and the sheets' rows in proportion): (planted values per entity, distractor value -> kind,
    file name -> readable text of each mail and office file). A distractor equal to a planted
    value is left out."""
    dest.mkdir(parents=True, exist_ok=True)
    scale = megabytes / DEFAULT_MB
    c = MailCorpus(seed)
    for i in range(mail_count(megabytes)):
        c.mail(dest, i)
    c.letter(dest, 1)
    c.letter(dest, 2)
    c.sheet(dest, scale)
    for name, (record, head, tail) in RECORDS.items():
        parts, size = [head], len(head)
        while size < TEXT_FILES[name] * scale:
            parts.append(record(c))
            size += len(parts[-1].encode())
        (dest / name).write_text("".join(parts) + tail, encoding="utf-8")
    planted = set().union(*c.planted.values())
    return (dict(c.planted), {v: k for v, k in c.distractors.items() if v not in planted},
            c.texts)
