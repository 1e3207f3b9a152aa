"""Inventory recording cost as the inventory grows: records N, 2N and 4N findings and prints the
seconds per 10,000 findings for each (a figure, not a test). Linear recording shows the same figure
at every size; the ORM recording this replaced grew with what was stored.

Findings are generated (distinct values; half of them in two dense files, like a log or an export
that grows with the data, half in small files of 40; a value in one finding in four repeated within its
file; four policy packs mapped), recorded the way `piiscout scan` records them: one
run, batches of 2,000 through ``RunRecorder.add``, then ``finish`` (errors, totals, resolution).
Each size records into a fresh inventory; ``--rerun`` also times a second run of the same findings
into that inventory (upserts of rows that exist). ``--db`` takes a PostgreSQL URL (each size gets a
fresh schema there); the default is an SQLite file in a temporary directory.

    .venv/bin/python benchmarks/inventory_scale.py [-n 20000] [--rerun] [--db postgresql://...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from scanner.inventory import Inventory
from scanner.models import Finding, Location, ScanInfo, Severity
from scanner.policy import load_packs
from scanner.redact import mask, value_hash

BATCH = 2000  # scanner.cli.scan.RECORD_BATCH
SECRET = b"b" * 32
KINDS = [("EMAIL_ADDRESS", "user.contact.email", "person{}@example.org"),
         ("PHONE_NUMBER", "user.contact.phone_number", "+44 20 7946 {:04d}"),
         ("CREDIT_CARD", "user.financial.credit_card", "4111 1111 {:09d}"),
         ("IP_ADDRESS", "user.device.ip_address", "10.{}.1.1")]


def generate(n: int) -> list[Finding]:
    out = []
    for i in range(n):
        entity, category, shape = KINDS[i % len(KINDS)]
        value = shape.format(i - i % 4 if i % 4 == 3 else i)  # one in four repeats a value
        uri = (f"file:///share/dept{i // 4000}/file{i // 40}.csv" if i % 2 else
               f"file:///share/exports/dense{i % 4 // 2}.log")
        out.append(Finding(
            location=Location(uri, i % 40 + 1, "contact"),
            entity=entity, category=category, score=0.9, severity=Severity.MEDIUM,
            detector="BENCH", explanation="generated", preview=mask(entity, value),
            value_hash=value_hash(SECRET, entity, value), linked=None, source_kind="file"))
    return out


def record(inv: Inventory, findings: list[Finding], packs: list) -> float:
    info = ScanInfo(str(uuid.uuid4()), "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00",
                    ("/share",), scanned=len(findings) // 40)
    t0 = time.perf_counter()
    recorder = inv.start(info, packs)
    for i in range(0, len(findings), BATCH):
        recorder.add(findings[i : i + BATCH])
    recorder.finish(info, ())
    return time.perf_counter() - t0


def fresh_url(base: str | None, tmp: Path,
              size: int) -> tuple[str, tuple[Engine, str] | None]:
    """An inventory URL, and for PostgreSQL the admin engine and schema to drop afterwards."""
    if base is None:
        return f"sqlite:///{tmp / f'inv-{size}.sqlite'}", None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), (admin, schema)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20_000, help="smallest size (findings)")
    ap.add_argument("--rerun", action="store_true", help="also time a second run of each size")
    ap.add_argument("--db", default=None, help="PostgreSQL base URL [default: SQLite files]")
    args = ap.parse_args()
    packs = load_packs(["gdpr", "cybercon", "cybrid", "cyrus"])
    with tempfile.TemporaryDirectory() as tmp:
        dialect = "postgresql" if args.db else "sqlite"
        print(f"inventory recording on {dialect}, batches of {BATCH}, 4 policy packs")
        print("| findings | first run s | s per 10k |" + (" rerun s | s per 10k |"
                                                        if args.rerun else ""))
        print("|---:|---:|---:|" + ("---:|---:|" if args.rerun else ""))
        for size in (args.n, 2 * args.n, 4 * args.n):
            findings = generate(size)
            url, cleanup = fresh_url(args.db, Path(tmp), size)
            inv = Inventory.open(url, Path(tmp))
            try:
                first = record(inv, findings, packs)
                line = f"| {size:,} | {first:.2f} | {first / size * 10_000:.2f} |"
                if args.rerun:
                    again = record(inv, findings, packs)
                    line += f" {again:.2f} | {again / size * 10_000:.2f} |"
                print(line, flush=True)
            finally:
                inv.close()
                if cleanup is not None:
                    admin, schema = cleanup
                    with admin.begin() as conn:
                        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                    admin.dispose()


if __name__ == "__main__":
    main()
