"""Ordinary business prose with a few planted identifiers, for precision where it costs a DPO
(issue 16.4): status updates, meeting notes, logistics and product text full of the things that
look like personal data to a NER model or a regex and are not (product and ticket codes, "Leeds
LS6 2AB" depot addresses, nationalities of markets, seasons and times of day, delivery dates,
version numbers, amounts), with a person's name, e-mail or phone planted in some paragraphs and
labelled by span. Generated, seeded; nothing here is about a real person.
"""

from __future__ import annotations

import random

FIRST = ["Amelia", "Oliver", "Priya", "Tomasz", "Chloe", "Kwame", "Mei", "Lucas", "Aoife", "Omar"]
LAST = ["Thompson", "Walker", "Nowak", "Okafor", "Chen", "Murphy", "Haddad", "Schmidt", "Rossi"]
TOWNS = [("Leeds", "LS6 2AB"), ("Bristol", "BS1 4DJ"), ("Manchester", "M1 1AE"),
         ("Glasgow", "G2 1DY"), ("Cardiff", "CF10 1EP")]
MARKETS = ["American", "French", "German", "Japanese", "Brazilian", "Nordic", "European"]
TIMES = ["this summer", "in the evening", "next spring", "over the winter", "by the weekend",
         "at the end of the quarter", "in the morning"]

SENTENCES = [
    "Ticket {code} was closed after the fix shipped in release {ver}.",
    "The {town} depot ({town} {pc}) received {n} pallets {time}.",
    "Demand from {market} retailers rose {pct}% {time}, driven by the new range.",
    "Order {order} for {n} units of SKU-{sku} is due on {date}.",
    "The {market} distributor asked for revised pricing of £{amount} per case.",
    "Build {ver} fixes error E-{err} in the label printer driver.",
    "Warehouse team meeting moved to Thursday {time}; agenda in the shared folder.",
    "Stock at {town} {pc} is below the reorder level for part {code}.",
    "The quarterly review covers {market} and {market2} markets and the {town} launch.",
    "Invoice INV-{order} of £{amount} was paid on {date}.",
    "Please update the forecast template before Monday; finance closes the month on {date}.",
    "The {season} campaign reached {n} stores across the {market} region.",
]
PLANTED = [
    ("Contact {name} at {email} about the delivery schedule.", ("PERSON", "EMAIL_ADDRESS")),
    ("{name} will chair the supplier call; dial {phone}.", ("PERSON", "PHONE_NUMBER")),
    ("Questions to {email}, please.", ("EMAIL_ADDRESS",)),
]


def _fill(r: random.Random, template: str) -> str:
    town, pc = r.choice(TOWNS)
    return template.format(
        code=r.choice(["E-", "TCK-", "INC", "PRJ-"]) + str(r.randint(1000, 9999)),
        ver=f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}", town=town, pc=pc,
        n=r.randint(12, 480), time=r.choice(TIMES), market=r.choice(MARKETS),
        market2=r.choice(MARKETS), pct=r.randint(2, 30), order=r.randint(10000, 99999),
        sku=r.randint(100, 999), date=f"{r.randint(1, 28)} {r.choice(['March', 'June', 'October'])}",
        amount=f"{r.randint(2, 90)}.{r.randint(0, 99):02d}", err=r.randint(1000, 1999),
        season=r.choice(["summer", "winter", "autumn", "spring"]),
    )


def paragraphs(count: int = 120, seed: int = 16) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """(text, gold spans [(entity, start, end)]) per paragraph."""
    r = random.Random(seed)
    out = []
    for k in range(count):
        parts = [_fill(r, r.choice(SENTENCES)) for _ in range(r.randint(3, 6))]
        gold: list[tuple[str, int, int]] = []
        text = " ".join(parts)
        if k % 3 == 0:
            first, last = r.choice(FIRST), r.choice(LAST)
            name = f"{first} {last}"
            email = f"{first.lower()}.{last.lower()}@example.com"
            phone = f"+44 20 7946 0{r.randint(100, 999)}"
            template, ents = r.choice(PLANTED)
            planted = template.format(name=name, email=email, phone=phone)
            base = len(text) + 1
            text = f"{text} {planted}"
            for ent, value in (("PERSON", name), ("EMAIL_ADDRESS", email), ("PHONE_NUMBER", phone)):
                if ent in ents:
                    i = planted.index(value)
                    gold.append((ent, base + i, base + i + len(value)))
        out.append((text, gold))
    return out
