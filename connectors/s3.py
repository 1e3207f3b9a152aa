"""Amazon S3 and S3-compatible stores: ``s3://bucket/prefix``, read-only, with boto3.

* Credentials come from boto3's standard chain (environment, ``AWS_PROFILE`` / shared config,
  instance roles); ``settings.s3_endpoint_url`` (``--endpoint-url``) points at another store.
  Credentials never appear in locations or messages: errors are reported by their S3 code.
* Objects are listed with the ``list_objects_v2`` paginator (keys come back in S3's stable
  lexicographic order); include/exclude globs apply to the key relative to the prefix;
  "folder" marker keys (ending in ``/``, empty) and archived objects (Glacier) are skipped.
* Each object is an :class:`~scanner.models.Item` (uri ``s3://bucket/key``) whose ``open()``
  streams ``get_object()['Body']``, so archives and documents inside objects are extracted like
  files. ETag, size, last-modified and storage class are kept in ``Item.metadata``.
* Objects over ``limits.max_item_bytes`` are skipped with a ``too_large`` error.
* Throttling and 5xx answers are retried by botocore (``adaptive`` retry mode); a stream that
  breaks mid-read is resumed with a ranged GET pinned to the object's ETag (``IfMatch``), with
  backoff. An unreadable object (AccessDenied, NoSuchKey race, stream that keeps failing) raises
  :class:`~scanner.models.ItemError` from ``open()`` / ``read()``, recorded by the pipeline.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO
from urllib.parse import quote

from connectors.base import Walked, accepts, host_root
from scanner.models import Item, ItemError, ScanError
from scanner.settings import Settings
from scanner.urls import redact_text, split_userinfo

MAX_ATTEMPTS = 8  # botocore attempts per request (throttling, 5xx, connection errors)
STREAM_RETRIES = 4  # resumptions of one broken body stream
BACKOFF_S = 0.5
PAGE_SIZE = 1000  # keys per list_objects_v2 page (the S3 maximum)
ARCHIVED = frozenset({"GLACIER", "DEEP_ARCHIVE"})


def parse_s3_url(target: str) -> tuple[str, str]:
    rest = target.split("://", 1)[1] if "://" in target else target
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ValueError("an s3:// target needs a bucket: s3://bucket/prefix")
    return bucket, prefix


def object_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{quote(key, safe='/!$&()*+,;=:@-._~')}"


def client_error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or type(exc).__name__)


# Loggers of the AWS stack that, at DEBUG, write request headers (``Authorization`` with the
# access key id, ``X-Amz-Security-Token``), signed URLs and credential details.
QUIET_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3")


def quiet_aws_logging() -> None:
    """Keep the AWS libraries at INFO or above, whatever ``-vv`` set the root logger to."""
    import logging

    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


def _describe(exc: BaseException) -> str:
    """A safe one-line description of a boto error: its S3 code and message, never a secret."""
    response = getattr(exc, "response", None)
    if response:
        err = response.get("Error", {})
        text = f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip().rstrip(":")
    else:
        text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return redact_text(text, *_SECRETS)[:300]


# Credentials seen in --endpoint-url, scrubbed from every message this module builds.
_SECRETS: set[str] = set()


def endpoint_and_keys(endpoint_url: str | None) -> tuple[str | None, str | None, str | None]:
    """``--endpoint-url`` without its ``KEY:SECRET@``, and that key pair (``None`` if absent).

    Credentials written into the endpoint URL are used as the access key pair (as if they came
    from the environment) and never passed on inside the URL, where botocore would quote them in
    its error messages.
    """
    if not endpoint_url:
        return endpoint_url, None, None
    split = split_userinfo(endpoint_url)
    if split.username is None and split.password is None:
        return endpoint_url, None, None
    _SECRETS.update(s for s in (split.username, split.password) if s)
    return split.without_userinfo(), split.username, split.password


def make_client(settings: Settings) -> Any:
    import boto3
    from botocore.config import Config

    quiet_aws_logging()
    config = Config(
        retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=10,
        read_timeout=60,
    )
    endpoint, key_id, secret = endpoint_and_keys(settings.s3_endpoint_url)
    keys = ({"aws_access_key_id": key_id, "aws_secret_access_key": secret}
            if key_id and secret else {})
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config, **keys)


class ResumingBody(io.RawIOBase):
    """An object's body that resumes with a ranged GET when the connection breaks mid-read.

    ``fetch(start)`` returns a fresh streaming body from byte ``start``. At most ``retries``
    resumptions per object, with exponential backoff; then :class:`ItemError`.
    """

    def __init__(
        self,
        fetch: Callable[[int], Any],
        uri: str,
        size: int | None,
        retries: int = STREAM_RETRIES,
        backoff_s: float = BACKOFF_S,
    ) -> None:
        super().__init__()
        self._fetch = fetch
        self._uri = uri
        self._size = size
        self._retries = retries
        self._backoff = backoff_s
        self._pos = 0
        self._failures = 0  # resumptions so far, for the whole object
        self._body: Any = fetch(0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while True:
            try:
                chunk = self._body.read(len(view))
            except Exception as exc:
                self._failures += 1
                if self._failures > self._retries:
                    raise ItemError(
                        "unreadable", f"stream broke: {_describe(exc)}", self._uri
                    ) from None
                time.sleep(self._backoff * 2 ** (self._failures - 1))
                self._reopen()
                continue
            if not chunk and self._size is not None and self._pos < self._size:
                # The server ended the stream early: resume from where it stopped.
                self._failures += 1
                if self._failures > self._retries:
                    raise ItemError(
                        "unreadable", f"stream ended at byte {self._pos} of {self._size}", self._uri
                    )
                time.sleep(self._backoff * 2 ** (self._failures - 1))
                self._reopen()
                continue
            n = len(chunk)
            view[:n] = chunk
            self._pos += n
            return n

    def _reopen(self) -> None:
        with contextlib.suppress(Exception):  # a broken stream may fail to close too
            self._body.close()
        self._body = self._fetch(self._pos)

    def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(Exception):
                self._body.close()
        super().close()


class S3Connector:
    source_kind = "s3"  # what policy packs call this kind of source
    uri_root = staticmethod(host_root)  # the source a location belongs to

    def __init__(self, target: str, settings: Settings) -> None:
        self.bucket, self.prefix = parse_s3_url(target)
        self.settings = settings
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def walk(self) -> Iterator[Walked]:
        root = object_uri(self.bucket, self.prefix)
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            pages = paginator.paginate(
                Bucket=self.bucket, Prefix=self.prefix, PaginationConfig={"PageSize": PAGE_SIZE}
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    yield from self._object(obj)
        except ItemError:
            raise
        except Exception as exc:
            yield ScanError(root, "unreadable", f"cannot list objects: {_describe(exc)}")

    def _object(self, obj: dict[str, Any]) -> Iterator[Walked]:
        key = str(obj["Key"])
        size = int(obj.get("Size", 0))
        if key.endswith("/") and size == 0:
            return
        rel = key[len(self.prefix) :].lstrip("/") if key.startswith(self.prefix) else key
        if not accepts(rel or key, self.settings.walk):
            return
        uri = object_uri(self.bucket, key)
        storage = str(obj.get("StorageClass") or "STANDARD")
        if storage in ARCHIVED:
            yield ScanError(uri, "skipped", f"archived object ({storage}) needs a restore first")
            return
        limit = self.settings.limits.max_item_bytes
        if size > limit:
            yield ScanError(uri, "too_large", f"{size} bytes is over the {limit}-byte limit")
            return
        etag = str(obj.get("ETag", "")).strip('"')
        modified = obj.get("LastModified")
        yield Item(
            uri=uri,
            source_kind="s3",
            open=self._opener(key, etag, size, uri),
            size=size,
            name=key.rsplit("/", 1)[-1],
            metadata={
                "etag": etag,
                "size": size,
                "last_modified": modified.isoformat() if modified is not None else None,
                "storage_class": storage,
                "version": f"s3:{etag}:{size}" if etag else None,
            },
        )

    def _opener(self, key: str, etag: str, size: int, uri: str) -> Callable[[], BinaryIO]:
        def fetch(start: int) -> Any:
            args: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
            if etag:
                args["IfMatch"] = f'"{etag}"'
            if start:
                args["Range"] = f"bytes={start}-"
            try:
                return self.client.get_object(**args)["Body"]
            except Exception as exc:
                code = client_error_code(exc)
                kind = "changed" if code in ("PreconditionFailed", "412") else "unreadable"
                raise ItemError(kind, _describe(exc), uri) from None

        def open_() -> BinaryIO:
            raw = ResumingBody(fetch, uri, size)
            return io.BufferedReader(raw, buffer_size=1024 * 1024)

        return open_
