"""S3 end to end through ``scanner.pipeline.scan`` against moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from scanner.models import ScanResult
from scanner.pipeline import scan
from scanner.settings import load_settings
from tests.helpers.database import SECRET, shared_classifier
from tests.helpers.s3 import LIMIT, SECRET_KEY

pytestmark = pytest.mark.server


@pytest.fixture()
def result(bucket: str, endpoint: str) -> Iterator[ScanResult]:
    s = load_settings().with_overrides(
        workers=1, s3_endpoint_url=endpoint, **{"limits.max_item_bytes": LIMIT}
    )
    yield scan([f"s3://{bucket}"], s, secret=SECRET, classifier=shared_classifier())


def test_every_readable_object_has_its_findings(result: ScanResult, bucket: str) -> None:
    emails = {f.location.uri for f in result.findings if f.entity == "EMAIL_ADDRESS"}
    base = f"s3://{bucket}"
    assert f"{base}/docs/notes.txt" in emails
    assert f"{base}/docs/people.csv" in emails
    assert f"{base}/docs/report.pdf" in emails
    assert any(u.startswith(f"{base}/archive/bundle.zip") and "inner.txt" in u for u in emails)
    assert all(f.source_kind == "s3" for f in result.findings)


def test_failures_are_recorded_and_the_scan_goes_on(result: ScanResult, bucket: str) -> None:
    by_location = {e.location: e.kind for e in result.errors}
    assert by_location.get(f"s3://{bucket}/big/huge.txt") == "too_large"
    corrupt = [k for loc, k in by_location.items() if loc.startswith(f"s3://{bucket}/broken/")]
    assert corrupt, f"the corrupt zip is not recorded: {by_location}"
    assert result.info.scanned >= 4


def test_report_has_no_clear_values_or_keys(result: ScanResult) -> None:
    text = json.dumps(result.to_dict())
    for value in (
        "jane.roe@example.org",
        "pdf.person@example.org",
        "zip.person@example.org",
        SECRET_KEY,
    ):
        assert value not in text


def test_unlisted_bucket_is_an_error(endpoint: str) -> None:
    s = load_settings().with_overrides(workers=1, s3_endpoint_url=endpoint)
    r = scan(["s3://piiscout-absent-bucket/x"], s, secret=SECRET, classifier=shared_classifier())
    assert [e.kind for e in r.errors] == ["unreadable"] and r.findings == ()
