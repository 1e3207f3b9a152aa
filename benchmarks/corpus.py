"""A reproducible, PII-dense benchmark corpus (fixed seed): prose, CSV, logs and JSON.

Every value is synthetic. ``build(dest, megabytes)`` writes four files whose sizes add up to about
``megabytes`` MB and returns their paths.
"""

from __future__ import annotations

import json
import random
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


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

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

    def sentence(self) -> str:
        n = self.name()
        templates = [
            f"{n} moved to {self.r.choice(CITIES)} and can be reached at {self.email(n)}.",
            f"Please call {n} on {self.phone()} about the renewal.",
            f"The card {self.r.choice(CARDS)} was charged twice for {n}.",
            f"{n} was born on {self.date()} and lives at {self.address()}.",
            f"Salary for {n} goes to IBAN {self.r.choice(IBANS)} from next month.",
            f"Social security number {self.ssn()} belongs to {n}.",
            f"{n} logged in from {self.ip()} yesterday evening.",
            self.r.choice(FILLER),
            self.r.choice(FILLER),
        ]
        return self.r.choice(templates)


def build(dest: Path, megabytes: float, seed: int = 1234) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    g = _Gen(seed)
    share = int(megabytes * 1_000_000 / 4)
    paths = [dest / "prose.txt", dest / "people.csv", dest / "app.log", dest / "events.ndjson"]
    with open(paths[0], "w", encoding="utf-8") as f:
        size = 0
        while size < share:
            para = " ".join(g.sentence() for _ in range(5)) + "\n\n"
            size += len(para.encode())
            f.write(para)
    with open(paths[1], "w", encoding="utf-8") as f:
        f.write("id,full_name,email,phone,birth_date,city,card_number\n")
        size, i = 0, 0
        while size < share:
            i += 1
            n = g.name()
            row = (f"{i},{n},{g.email(n)},{g.phone()},{g.date()},{g.r.choice(CITIES)},"
                   f"{g.r.choice(CARDS)}\n")
            size += len(row.encode())
            f.write(row)
    with open(paths[2], "w", encoding="utf-8") as f:
        size = 0
        while size < share:
            n = g.name()
            line = (f"2024-03-{g.r.randint(1, 28):02d}T10:{g.r.randint(0, 59):02d}:00Z "
                    f"level=info user={g.email(n)} ip={g.ip()} path=/api/v1/orders "
                    f"status={g.r.choice([200, 201, 404])} ms={g.r.randint(3, 900)}\n")
            size += len(line.encode())
            f.write(line)
    with open(paths[3], "w", encoding="utf-8") as f:
        size = 0
        while size < share:
            n = g.name()
            rec = {"event": "signup", "user": {"name": n, "email": g.email(n),
                                               "phone": g.phone()},
                   "ip": g.ip(), "plan": g.r.choice(["free", "pro"])}
            line = json.dumps(rec) + "\n"
            size += len(line.encode())
            f.write(line)
    return paths


def slice_text(paths: list[Path], megabytes: float) -> str:
    """The same share of each file, up to ``megabytes`` in total, cut at line boundaries."""
    per = int(megabytes * 1_000_000 / len(paths))
    parts = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            parts.append(f.read(per).rsplit("\n", 1)[0] + "\n")
    return "".join(parts)


assert all(luhn(c) for c in CARDS)
