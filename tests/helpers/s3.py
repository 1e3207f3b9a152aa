"""S3 on moto's server on 127.0.0.1 (.ci/servers.sh): credentials in the environment, the
endpoint, and a fresh bucket holding OBJECTS (fixtures: ``aws_env``, ``endpoint``, ``bucket``)."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator

import boto3
import pytest

from tests.helpers.extract import minimal_pdf
from tests.helpers.servers import require_server

SECRET_KEY = "moto-Secret-Key-For-Tests"


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


OBJECTS: dict[str, bytes] = {
    "docs/notes.txt": b"Please write to jane.roe@example.org about the invoice.\n",
    "docs/people.csv": b"name,email\nJane Roe,jane.roe@example.org\nJohn Doe,john.doe@example.org\n",
    "docs/report.pdf": minimal_pdf(["Contact: pdf.person@example.org"]),
    "archive/bundle.zip": zipped("inner.txt", b"zip.person@example.org\n"),
    "broken/corrupt.zip": b"PK\x03\x04" + b"\x00garbage" * 50,
    "big/huge.txt": b"x" * 6000,
    "folder/": b"",
}
LIMIT = 5000


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture()
def endpoint(aws_env: None) -> str:
    return require_server("PIISCOUT_TEST_S3_ENDPOINT")


@pytest.fixture()
def bucket(endpoint: str) -> Iterator[str]:
    name = f"piiscout-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=name)
    for key, data in OBJECTS.items():
        client.put_object(Bucket=name, Key=key, Body=data)
    yield name
    for key in OBJECTS:
        client.delete_object(Bucket=name, Key=key)
    client.delete_bucket(Bucket=name)
