"""A reproducible, PII-dense benchmark corpus (fixed seed): prose, CSV, logs and JSON.

Every value is synthetic. ``build(dest, megabytes)`` writes four files whose sizes add up to about
``megabytes`` MB and returns their paths. Given a :class:`Truth`, it also records every value it
planted: raw finding counts reward false positives, counts of planted values found do not.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from classifiers.pii import luhn

FIRST = ["James", "Maria", "Robert", "Aisha", "Wei", "Olga", "Daniel", "Priya", "Lucas", "Fatima",
         "Emma", "Noah", "Sofia", "Hiroshi", "Chloe", "Mateo", "Grace", "Omar", "Elena", "Samuel"]
LAST = ["Smith", "Garcia", "Johnson", "Khan", "Chen", "Ivanova", "Okafor", "Patel", "Silva",
        "Haddad", "Brown", "Müller", "Rossi", "Tanaka", "Dubois", "Lopez", "Walker", "Nasser",
        "Novak", "Wright"]
CITIES = ["London", "Manchester", "Paris", "Berlin", "Madrid", "Chicago", "Boston", "Toronto",
          "Sydney", "Dublin"]
STREETS = ["High Street", "Station Road", "Main Street", "Church Lane", "Park Avenue", "Mill Road"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.co.uk"]
FILLER = [
    "The quarterly review covered onboarding, invoices and the new expense policy.",
    "Please make sure the attached forms are signed before the end of the month.",
    "The meeting was moved to the larger room on the third floor.",
    "Our support team answered most tickets within two working days.",
    "Delivery of the replacement laptop is expected next week.",
]
CARDS = ["4111111111111111", "5500000000000004", "340000000000009", "6011000000000004",
         "4012888888881881", "5105105105105100"]
IBANS = ["GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606",
         "NL91ABNA0417164300"]
HEADERS = {"people.csv": "id,full_name,email,phone,birth_date,city,card_number\n"}

# The families of planted values. DATE is birth dates only: log-line timestamps are metadata.
FAMILIES = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IP_ADDRESS",
            "DATE", "LOCATION", "IBAN_CODE")
Planted = list[tuple[str, str]]  # (family, value) of each value one line or paragraph writes


@dataclass
class Truth:
    """The values :func:`build` planted, by family: the distinct values and how often they occur.

    With ``chars`` set, only lines (paragraphs) ending within the first ``chars`` characters of
    their file count: with ``chars = slice_chars(megabytes)``, exactly the lines a slice keeps. A
    benchmark judging findings on a slice needs no more, and the whole corpus's values (about
    40 MB of them at 50 MB) would show in the peak memory it measures.
    """

    chars: int | None = None
    values: dict[str, set[str]] = field(default_factory=lambda: {f: set() for f in FAMILIES})
    occurrences: Counter[str] = field(default_factory=Counter)

    def add(self, end: int, planted: Planted) -> None:
        """Record what a line plants; ``end`` is where its text (without newlines) ends in its
        file, in characters, which is where a slice would cut after it."""
        if self.chars is not None and end >= self.chars:
            return
        for family, value in planted:
            self.values[family].add(value)
            self.occurrences[family] += 1


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.row_ids = itertools.count(1)

    def name(self) -> str:
        return f"{self.r.choice(FIRST)} {self.r.choice(LAST)}"

    def email(self, name: str) -> str:
        first, last = name.lower().split(" ", 1)
        return f"{first}.{last.replace('ü', 'u')}{self.r.randint(1, 99)}@{self.r.choice(DOMAINS)}"

    def phone(self) -> str:
        return self.r.choice([
            f"+44 20 7946 0{self.r.randint(100, 999)}",
            f"(212) 555-01{self.r.randint(10, 99)}",
            f"+1 415 555 01{self.r.randint(10, 99)}",
            f"+33 6 12 34 {self.r.randint(10, 99)} {self.r.randint(10, 99)}",
        ])

    def ssn(self) -> str:
        return f"{self.r.randint(100, 665)}-{self.r.randint(10, 99)}-{self.r.randint(1000, 9999)}"

    def ip(self) -> str:
        return f"{self.r.choice(['203.0.113', '198.51.100', '192.0.2'])}.{self.r.randint(1, 254)}"

    def date(self) -> str:
        return f"{self.r.randint(1950, 2005)}-{self.r.randint(1, 12):02d}-{self.r.randint(1, 28):02d}"

    def address(self) -> str:
        return f"{self.r.randint(1, 200)} {self.r.choice(STREETS)}, {self.r.choice(CITIES)}"

    def sentence(self) -> tuple[str, Planted]:
        """One sentence and what it plants. Every template's values are drawn, whichever template
        is chosen, as they always were (a seed's corpus must not change), but only the chosen
        one's are written, so only those are planted."""
        n = self.name()
        city, email = self.r.choice(CITIES), self.email(n)
        phone = self.phone()
        card = self.r.choice(CARDS)
        born, home = self.date(), self.address()
        iban = self.r.choice(IBANS)
        ssn = self.ssn()
        ip = self.ip()
        templates: list[tuple[str, Planted]] = [
            (f"{n} moved to {city} and can be reached at {email}.",
             [("PERSON", n), ("LOCATION", city), ("EMAIL_ADDRESS", email)]),
            (f"Please call {n} on {phone} about the renewal.",
             [("PERSON", n), ("PHONE_NUMBER", phone)]),
            (f"The card {card} was charged twice for {n}.", [("CREDIT_CARD", card), ("PERSON", n)]),
            (f"{n} was born on {born} and lives at {home}.",
             [("PERSON", n), ("DATE", born), ("LOCATION", home)]),
            (f"Salary for {n} goes to IBAN {iban} from next month.",
             [("PERSON", n), ("IBAN_CODE", iban)]),
            (f"Social security number {ssn} belongs to {n}.", [("US_SSN", ssn), ("PERSON", n)]),
            (f"{n} logged in from {ip} yesterday evening.", [("PERSON", n), ("IP_ADDRESS", ip)]),
            (self.r.choice(FILLER), []),
            (self.r.choice(FILLER), []),
        ]
        return self.r.choice(templates)

    def paragraph(self) -> tuple[str, Planted]:
        sentences = [self.sentence() for _ in range(5)]
        return (" ".join(text for text, _ in sentences) + "\n\n",
                [p for _, planted in sentences for p in planted])

    def person_row(self) -> tuple[str, Planted]:
        i, n = next(self.row_ids), self.name()
        email, phone, born = self.email(n), self.phone(), self.date()
        city, card = self.r.choice(CITIES), self.r.choice(CARDS)
        return (f"{i},{n},{email},{phone},{born},{city},{card}\n",
                [("PERSON", n), ("EMAIL_ADDRESS", email), ("PHONE_NUMBER", phone), ("DATE", born),
                 ("LOCATION", city), ("CREDIT_CARD", card)])

    def log_line(self) -> tuple[str, Planted]:
        """A log line: the name is drawn (the random sequence needs it) but only the e-mail and
        the IP address are written; the timestamp is metadata, not a planted date."""
        n = self.name()
        stamp = f"2024-03-{self.r.randint(1, 28):02d}T10:{self.r.randint(0, 59):02d}:00Z"
        email, ip = self.email(n), self.ip()
        line = (f"{stamp} level=info user={email} ip={ip} path=/api/v1/orders "
                f"status={self.r.choice([200, 201, 404])} ms={self.r.randint(3, 900)}\n")
        return line, [("EMAIL_ADDRESS", email), ("IP_ADDRESS", ip)]

    def event(self) -> tuple[str, Planted]:
        n = self.name()
        email, phone, ip = self.email(n), self.phone(), self.ip()
        rec = {"event": "signup", "user": {"name": n, "email": email, "phone": phone},
               "ip": ip, "plan": self.r.choice(["free", "pro"])}
        return (json.dumps(rec) + "\n",
                [("PERSON", n), ("EMAIL_ADDRESS", email), ("PHONE_NUMBER", phone),
                 ("IP_ADDRESS", ip)])


def build(dest: Path, megabytes: float, seed: int = 1234, truth: Truth | None = None) -> list[Path]:
    """Write the four files, about ``megabytes`` MB in all, and return their paths; record every
    value they plant in ``truth`` when one is given."""
    dest.mkdir(parents=True, exist_ok=True)
    g = _Gen(seed)
    share = int(megabytes * 1_000_000 / 4)
    makers = {"prose.txt": g.paragraph, "people.csv": g.person_row, "app.log": g.log_line,
              "events.ndjson": g.event}
    for name, make in makers.items():
        _write(dest / name, make, share, truth)
    return [dest / name for name in makers]


def _write(path: Path, make: Callable[[], tuple[str, Planted]], share: int,
           truth: Truth | None) -> None:
    """Write lines (paragraphs) from ``make`` until they reach ``share`` bytes (the header does not
    count), and record in ``truth`` what each plants and where it ends."""
    header = HEADERS.get(path.name, "")
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        size, chars = 0, len(header)
        while size < share:
            unit, planted = make()
            size += len(unit.encode())
            f.write(unit)
            if truth is not None:
                truth.add(chars + len(unit.rstrip("\n")), planted)
            chars += len(unit)


def slice_chars(megabytes: float) -> int:
    """How many characters a slice of ``megabytes`` reads from each of the four files."""
    return int(megabytes * 1_000_000 / 4)


def slice_part(path: Path, megabytes: float) -> str:
    """The head of one file that a slice of ``megabytes`` keeps, cut at a line boundary."""
    with open(path, encoding="utf-8") as f:
        return f.read(slice_chars(megabytes)).rsplit("\n", 1)[0] + "\n"


def slice_text(paths: list[Path], megabytes: float) -> str:
    """The same share of each file, up to ``megabytes`` in total, cut at line boundaries."""
    return "".join(slice_part(p, megabytes) for p in paths)


assert all(luhn(c) for c in CARDS)
