"""Shared by the inventory tests: a fresh inventory URL on SQLite and on the real PostgreSQL
server (a throwaway schema), findings made from clear values, a deterministic clock, and running
the real ``piiscout`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scanner.models import Finding, Location, ScanError, ScanInfo, ScanResult, Severity
from scanner.redact import mask, value_hash
from tests.helpers.paths import ROOT
from tests.helpers.servers import require_server

SECRET = b"k" * 32


def make_finding(entity: str, category: str, value: str, *, uri: str = "file:///d/a.csv",
                 line: int | None = 1, field: str | None = "col", score: float = 0.8,
                 linked: bool | None = None, kind: str = "file",
                 severity: Severity = Severity.MEDIUM, explanation: str = "test") -> Finding:
    return Finding(
        location=Location(uri, line, field), entity=entity, category=category, score=score,
        severity=severity, detector="T-1", explanation=explanation, preview=mask(entity, value),
        value_hash=value_hash(SECRET, entity, value), linked=linked, source_kind=kind,
    )


def make_info(scan_id: str = "scan-1", targets: tuple[str, ...] = ("/d",)) -> ScanInfo:
    return ScanInfo(scan_id, "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00",
                    targets, scanned=2)


def make_result(findings: list[Finding], errors: tuple[ScanError, ...] = (),
                scan_id: str = "scan-1", targets: tuple[str, ...] = ("/d",)) -> ScanResult:
    return ScanResult(make_info(scan_id, targets), tuple(findings), errors)


class Clock:
    def __init__(self) -> None:
        self.t = 0

    def __call__(self) -> str:
        self.t += 1
        return f"2026-02-01T00:{self.t // 60:02d}:{self.t % 60:02d}+00:00"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh inventory URL: an SQLite file, or a throwaway schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'inv.sqlite'}"
        return
    yield from pg_schema_url()


def pg_schema_url() -> Iterator[str]:
    base = require_server("PIISCOUT_TEST_PG_URL")
    schema = f"inv_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIISCOUT_")}
    env.update(PIISCOUT_HOME=str(home), PYTHONUNBUFFERED="1", TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="")
    return env


def piiscout(*args: str, home: Path, **popen: object) -> subprocess.Popen[str]:
    """The real command in its own process group (so that a test can end what it started)."""
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-c", "from scanner.cli import main; main()", *args], cwd=ROOT, env=cli_env(home), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **popen,
    )
