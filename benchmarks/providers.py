"""Precision on values that are not personal data, and phone recall across locales: the CLI on
values from Faker's providers, generated here (not shaped to the detectors).

    .venv/bin/python benchmarks/providers.py            # (make precision) prints Markdown

Part 1 writes 200 values of each of Faker's non-personal providers (ISBN, EAN, hashes, UUIDs,
numbers, prices, dates, URLs, company names, jobs, colours, routing numbers, ...) and of some
identifiers that are personal data (SSN, IBAN, passport, IP, MAC, user agent), each in three
layouts: a sentence ("The isbn10 is 0-9736993-5-3."), a CSV column (``value``) and a log line
(``value=...``). It scans the folder with ``piiscout scan DIR --format jsonl`` (with and without
``--no-ner``) and counts the findings per provider and entity: for a non-personal provider
every finding is a false one.

Part 2 writes 150 ``phone_number()`` values of twelve Faker locales, each in a sentence with a
phone word, after a name without one, and in a ``phone`` column, and counts how many the scan
finds (recall; Faker's numbers are all phone numbers). Part 3 does the same for the same locales'
card numbers, IBANs, e-mail addresses and IPv4 addresses, one a line after a first name.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Providers whose values are not personal data; a finding on them is a false one. (Dates are
# reported as DATE_TIME by design, like Presidio's DateRecognizer: listed apart.)
NOT_PERSONAL = (
    "isbn10", "isbn13", "ean13", "ean8", "md5", "sha1", "sha256", "uuid4", "pyint", "pyfloat",
    "random_number", "time", "unix_time", "file_path", "mime_type",
    "hex_color", "color_name", "company", "catch_phrase", "bs", "job", "currency_code",
    "pricetag", "numerify", "bothify", "license_plate", "sentence", "paragraph", "word",
    "zipcode", "latitude", "longitude", "port_number", "swift",
    "aba", "bban", "ein", "credit_card_expire", "credit_card_security_code",
)
# Reported by design, as Presidio does: dates (DATE_TIME), URLs (browsing history), places.
DATES = ("date", "iso8601", "year", "url", "uri", "city", "state", "country")
PERSONAL = ("ssn", "itin", "iban", "passport_number", "msisdn", "ipv6", "ipv4_private",
            "mac_address", "user_agent", "vin", "password")
LOCALES = ("en_US", "en_GB", "en_CA", "en_AU", "en_IN", "de_DE", "fr_FR", "es_ES", "it_IT",
           "nl_NL", "he_IL", "pt_BR")
SEED = 99


def write_providers(dest: Path) -> None:
    from faker import Faker

    fake = Faker()
    fake.seed_instance(SEED)
    r = random.Random(SEED)
    for prov in (*NOT_PERSONAL, *DATES, *PERSONAL):
        make = getattr(fake, prov)
        vals = [str(make()) for _ in range(200)]
        label = prov.replace("_", " ")
        (dest / f"{prov}.txt").write_text("".join(f"The {label} is {v}.\n" for v in vals))
        (dest / f"{prov}.csv").write_text(
            "id,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(vals)))
        (dest / f"{prov}.log").write_text("".join(
            f"2024-05-0{1 + i % 9}T10:{i % 60:02d}:12.{r.randint(0, 999999):06d}Z INFO "
            f"worker-{i % 7} value={v} took {r.randint(1, 999)}ms\n" for i, v in enumerate(vals)))


def write_phones(dest: Path) -> None:
    from faker import Faker

    for loc in LOCALES:
        fake = Faker(loc)
        fake.seed_instance(SEED)
        nums = [fake.phone_number() for _ in range(150)]
        (dest / f"{loc}-cue.txt").write_text(
            "".join(f"You can call {fake.name()} at {n} during the day.\n" for n in nums))
        (dest / f"{loc}-bare.txt").write_text(
            "".join(f"{fake.name()}, {n}, {fake.city()}\n" for n in nums))
        (dest / f"{loc}-column.csv").write_text(
            "name,phone\n" + "".join(f"{fake.name()},{n}\n" for n in nums))


# Part 3: identifiers of other locales, one a line after a name: the entity each must be found as.
IDENTIFIERS = {"credit_card_number": "CREDIT_CARD", "iban": "IBAN_CODE", "email": "EMAIL_ADDRESS",
               "ipv4": "IP_ADDRESS"}


def write_identifiers(dest: Path) -> None:
    from faker import Faker

    for loc in LOCALES:
        fake = Faker(loc)
        fake.seed_instance(SEED)
        for prov in IDENTIFIERS:
            make = getattr(fake, prov)
            (dest / f"{loc}-{prov}.txt").write_text(
                "".join(f"Record for {fake.first_name()}: {make()}. Thanks.\n" for _ in range(100)))


def write_profiles(dest: Path, count: int = 300) -> None:
    """Faker's ``profile()`` records as NDJSON, one a line (the dates and coordinates as text)."""
    from faker import Faker

    fake = Faker()
    fake.seed_instance(SEED)
    with (dest / "profiles.ndjson").open("w") as out:
        for _ in range(count):
            p: dict[str, object] = dict(fake.profile())
            where = p["current_location"]
            assert isinstance(where, tuple)
            p["current_location"] = [str(x) for x in where]
            p["birthdate"] = str(p["birthdate"])
            out.write(json.dumps(p) + "\n")


def scan(folder: Path, *flags: str) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as home:
        out = Path(home) / "report.jsonl"
        env = {**os.environ, "PIISCOUT_HOME": home}
        subprocess.run([str(Path(sys.executable).parent / "piiscout"), "scan", str(folder),
                        "--format", "jsonl", "-o", str(out), "--no-progress", *flags],
                       check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return [r for r in rows if r.get("type") == "finding"]


def _name(finding: dict[str, object]) -> str:
    loc = finding["location"]
    assert isinstance(loc, dict)
    return str(loc["uri"]).rsplit("/", 1)[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.parse_args(argv)
    print("# Precision on non-personal values, phone recall across locales\n")
    print("Produced by `make precision` (`.venv/bin/python benchmarks/providers.py`); Faker seed "
          f"{SEED}. See the module docstring for the layouts.\n")
    with tempfile.TemporaryDirectory() as tmp:
        provs, phones, ids = Path(tmp) / "providers", Path(tmp) / "phones", Path(tmp) / "ids"
        for d in (provs, phones, ids):
            d.mkdir()
        write_providers(provs)
        write_phones(phones)
        write_identifiers(ids)
        profiles = Path(tmp) / "profiles"
        profiles.mkdir()
        write_profiles(profiles)
        for mode, flags in (("`--no-ner`", ("--no-ner",)), ("defaults (NER on)", ())):
            counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
            for f in scan(provs, *flags):
                prov = _name(f).rsplit(".", 1)[0]
                counts[(prov, str(f["entity"]), str(f["severity"]))] += 1
            false = {k: v for k, v in counts.items() if k[0] in NOT_PERSONAL}
            print(f"## Findings on {len(NOT_PERSONAL)} non-personal providers, {mode}\n")
            print(f"{len(NOT_PERSONAL) * 600:,} values; every finding is a false one.\n")
            by_sev: collections.Counter[str] = collections.Counter()
            for (_p, _e, sev), n in false.items():
                by_sev[sev] += n
            print("| severity | false findings |\n|---|---:|")
            for sev in ("high", "medium", "low"):
                print(f"| {sev} | {by_sev[sev]:,} |")
            print("\n| provider | entity | severity | findings |\n|---|---|---|---:|")
            for (p, e, s), n in sorted(false.items()):
                print(f"| {p} | {e} | {s} | {n} |")
            found = {k: v for k, v in counts.items() if k[0] in PERSONAL or k[0] in DATES}
            print(f"\nOn the personal providers, and the dates, URLs and places reported by design "
                  f"({len(PERSONAL) + len(DATES)} x 600 values; the entity each is reported as):\n")
            print("| provider | entity | severity | findings |\n|---|---|---|---:|")
            for (p, e, s), n in sorted(found.items()):
                print(f"| {p} | {e} | {s} | {n} |")
            print()
        per: collections.Counter[tuple[str, str]] = collections.Counter()
        for f in scan(phones, "--no-ner"):
            if f["entity"] == "PHONE_NUMBER":
                loc, layout = _name(f).rsplit(".", 1)[0].split("-")
                per[(loc, layout)] += 1
        print("## Phone recall, Faker `phone_number()` per locale, `--no-ner`\n")
        print("150 numbers per locale and layout: a sentence with a phone word, after a name "
              "with none, in a `phone` column.\n")
        print("| locale | with a phone word | no phone word | phone column |\n|---|---:|---:|---:|")
        for loc in LOCALES:
            print(f"| {loc} | {per[(loc, 'cue')]} | {per[(loc, 'bare')]} | "
                  f"{per[(loc, 'column')]} |")
        total = {lay: sum(v for (_l, la), v in per.items() if la == lay)
                 for lay in ("cue", "bare", "column")}
        n = 150 * len(LOCALES)
        print(f"| **all** | {total['cue'] / n:.3f} | {total['bare'] / n:.3f} | "
              f"{total['column'] / n:.3f} |")
        lines: dict[tuple[str, str], set[object]] = collections.defaultdict(set)
        for f in scan(ids, "--no-ner"):
            loc, prov = _name(f).rsplit(".", 1)[0].split("-")
            if IDENTIFIERS.get(prov) == f["entity"]:
                lines[(loc, prov)].add(f["location"]["line"])  # type: ignore[index]
        print("\n## Identifiers of other locales, `--no-ner`\n")
        print("100 values of each provider per locale, one a line after a first name "
              "(\"Record for Jan: DE89 3704 ...\"); lines where the entity was found.\n")
        print("| locale | " + " | ".join(IDENTIFIERS) + " |\n|---|"
              + "---:|" * len(IDENTIFIERS))
        for loc in LOCALES:
            print(f"| {loc} | " + " | ".join(str(len(lines[(loc, p)])) for p in IDENTIFIERS)
                  + " |")
        print("\nFaker's en_IN `iban()` writes IBANs with the country code IN; India has none "
              "(ISO 13616 lists no IN), so a check-digit-valid one is not an IBAN. The cards "
              "missed are Faker's Maestro numbers '0604...' (no scheme issues a head starting "
              "with 0; German phone numbers start so) with no card word before them.")
        print_profiles(profiles)
    return 0


def print_profiles(folder: Path) -> None:
    counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for f in scan(folder):
        loc = f["location"]
        assert isinstance(loc, dict)
        key = str(loc.get("field") or "").split("[")[0]
        counts[(key, str(f["entity"]), str(f["severity"]))] += 1
    print("\n## Faker `profile()` records as NDJSON, defaults (NER on)\n")
    print("300 records, one a line; findings per key. A key not listed had none: `job`, "
          "`company` and `username` name no health, religion, place or person.\n")
    print("| key | entity | severity | findings |\n|---|---|---|---:|")
    for (k, e, sev), n in sorted(counts.items()):
        print(f"| {k} | {e} | {sev} | {n} |")


if __name__ == "__main__":
    raise SystemExit(main())
