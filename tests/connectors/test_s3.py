"""S3 connector: against moto's S3 server on 127.0.0.1, plus botocore fault injection."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

import connectors.s3 as s3mod
from connectors.base import connector_for
from connectors.s3 import ResumingBody, S3Connector, parse_s3_url
from scanner.models import Item, ItemError, ScanError
from scanner.settings import Settings
from tests.helpers.s3 import LIMIT, OBJECTS, SECRET_KEY


def settings_for(endpoint: str | None, **over: Any) -> Settings:
    return Settings().with_overrides(
        s3_endpoint_url=endpoint, **{"limits.max_item_bytes": LIMIT, **over}
    )


def walked(target: str, settings: Settings) -> tuple[list[Item], list[ScanError], S3Connector]:
    conn = connector_for(target, settings)
    assert isinstance(conn, S3Connector)
    items: list[Item] = []
    errors: list[ScanError] = []
    for w in conn.walk():
        (errors if isinstance(w, ScanError) else items).append(w)  # type: ignore[arg-type]
    return items, errors, conn


@pytest.mark.parametrize(
    ("target", "bucket", "prefix"),
    [("s3://b/", "b", ""), ("s3://b", "b", ""), ("s3://b/a/c.txt", "b", "a/c.txt")],
)
def test_parse_s3_url(target: str, bucket: str, prefix: str) -> None:
    assert parse_s3_url(target) == (bucket, prefix)


def test_parse_s3_url_needs_a_bucket() -> None:
    with pytest.raises(ValueError):
        parse_s3_url("s3:///key")


@pytest.mark.server
def test_objects_are_items_with_metadata(bucket: str, endpoint: str) -> None:
    items, errors, conn = walked(f"s3://{bucket}", settings_for(endpoint))
    expected = sorted(k for k in OBJECTS if not k.endswith("/") and k != "big/huge.txt")
    assert [i.uri for i in items] == [f"s3://{bucket}/{k}" for k in expected]
    for item in items:
        key = item.uri.split("/", 3)[3]
        with item.open() as fh:
            assert fh.read() == OBJECTS[key]
        assert item.size == len(OBJECTS[key]) and item.source_kind == "s3"
        assert len(str(item.metadata["etag"])) == 32 and item.metadata["size"] == item.size
        assert str(item.metadata["last_modified"])[:2] == "20"
    assert [(e.location, e.kind) for e in errors] == [(f"s3://{bucket}/big/huge.txt", "too_large")]
    conn.close()


@pytest.mark.server
def test_prefix_and_pagination(bucket: str, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3mod, "PAGE_SIZE", 1)
    items, errors, _ = walked(f"s3://{bucket}/docs/", settings_for(endpoint))
    assert [i.name for i in items] == ["notes.txt", "people.csv", "report.pdf"]
    assert errors == []


@pytest.mark.server
def test_exclude_globs_apply_to_keys(bucket: str, endpoint: str) -> None:
    settings = settings_for(endpoint, **{"walk.exclude": ("*.zip", "docs/*.pdf")})
    items, _, _ = walked(f"s3://{bucket}", settings)
    assert [i.name for i in items] == ["notes.txt", "people.csv"]


@pytest.mark.server
def test_missing_bucket_is_one_error(endpoint: str) -> None:
    items, errors, _ = walked("s3://piiscout-no-such-bucket", settings_for(endpoint))
    assert items == []
    assert len(errors) == 1 and errors[0].kind == "unreadable"
    assert "NoSuchBucket" in errors[0].message and SECRET_KEY not in errors[0].message


@pytest.mark.server
def test_object_deleted_after_listing(bucket: str, endpoint: str) -> None:
    items, _, _ = walked(f"s3://{bucket}/docs/notes.txt", settings_for(endpoint))
    boto3.client("s3", endpoint_url=endpoint).delete_object(Bucket=bucket, Key="docs/notes.txt")
    with pytest.raises(ItemError) as info:
        items[0].open()
    assert info.value.kind == "unreadable" and info.value.location == items[0].uri
    assert "NoSuchKey" in info.value.message


@pytest.mark.server
def test_object_changed_after_listing(bucket: str, endpoint: str) -> None:
    items, _, _ = walked(f"s3://{bucket}/docs/notes.txt", settings_for(endpoint))
    boto3.client("s3", endpoint_url=endpoint).put_object(
        Bucket=bucket, Key="docs/notes.txt", Body=b"something else"
    )
    with pytest.raises(ItemError) as info:
        items[0].open()
    assert info.value.kind == "changed"


@pytest.mark.server
def test_throttling_and_5xx_are_retried(bucket: str, endpoint: str) -> None:
    items, _, conn = walked(f"s3://{bucket}/docs/notes.txt", settings_for(endpoint))
    calls: list[int] = []

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b"<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>"

    def fail_twice(request: Any, **_: Any) -> AWSResponse | None:
        calls.append(1)
        if len(calls) <= 2:
            return AWSResponse(request.url, 503, {}, Raw())
        return None  # let the real request through

    conn.client.meta.events.register("before-send.s3.GetObject", fail_twice)
    with items[0].open() as fh:
        assert fh.read() == OBJECTS["docs/notes.txt"]
    assert len(calls) == 3


def test_access_denied_get_is_an_item_error(aws_env: None) -> None:
    conn = S3Connector("s3://locked-bucket", settings_for(None))
    client = boto3.client("s3", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response(
        "list_objects_v2",
        {
            "Contents": [
                {"Key": "secret.txt", "Size": 10, "ETag": '"abc"', "StorageClass": "STANDARD"},
                {"Key": "cold.txt", "Size": 10, "ETag": '"def"', "StorageClass": "GLACIER"},
            ],
            "IsTruncated": False,
        },
    )
    stub.add_client_error(
        "get_object",
        service_error_code="AccessDenied",
        service_message="Access Denied",
        http_status_code=403,
    )
    conn._client = client
    with stub:
        items, errors = [], []
        for w in conn.walk():
            (errors if isinstance(w, ScanError) else items).append(w)
        assert [i.uri for i in items] == ["s3://locked-bucket/secret.txt"]
        assert [(e.location, e.kind) for e in errors] == [
            ("s3://locked-bucket/cold.txt", "skipped")
        ]
        with pytest.raises(ItemError) as info:
            items[0].open()
    assert info.value.kind == "unreadable" and "AccessDenied" in info.value.message
    assert SECRET_KEY not in info.value.message


class FlakyBody:
    """A body that breaks after ``fail_after`` bytes (a dropped connection)."""

    def __init__(self, data: bytes, fail_after: int | None) -> None:
        self.stream = io.BytesIO(data)
        self.fail_after = fail_after

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.stream.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        limit = n if self.fail_after is None else min(n, self.fail_after - self.stream.tell())
        return self.stream.read(limit)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("breaks", [0, 1, 3])
def test_broken_stream_resumes_with_a_range(breaks: int) -> None:
    data = bytes(range(256)) * 40
    starts: list[int] = []

    def fetch(start: int) -> FlakyBody:
        starts.append(start)
        fail = start + 1000 if len(starts) <= breaks else None
        return FlakyBody(data[start:], None if fail is None else 1000)

    body = io.BufferedReader(ResumingBody(fetch, "s3://b/k", len(data), backoff_s=0))
    assert body.read() == data
    assert starts == [1000 * i for i in range(breaks + 1)]


def test_stream_that_keeps_breaking_is_an_item_error() -> None:
    def fetch(start: int) -> FlakyBody:
        return FlakyBody(b"a" * (5000 - start), 10)

    body = io.BufferedReader(ResumingBody(fetch, "s3://b/k", 5000, retries=2, backoff_s=0))
    with pytest.raises(ItemError) as info:
        body.read()
    assert info.value.kind == "unreadable" and info.value.location == "s3://b/k"


def test_stream_that_ends_early_is_resumed() -> None:
    data = b"0123456789" * 100
    calls: list[int] = []

    def fetch(start: int) -> io.BytesIO:
        calls.append(start)
        return io.BytesIO(data[start : start + 300] if len(calls) == 1 else data[start:])

    body = io.BufferedReader(ResumingBody(fetch, "s3://b/k", len(data), backoff_s=0))
    assert body.read() == data and calls == [0, 300]
