"""Containers: nesting, limits (bombs, depth, members, total size), hostile and corrupt members."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import stat
import struct
import tarfile
import zipfile

import pytest

from tests.helpers.extract import item_from_bytes, run


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_tar(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def locations(units: list) -> list[tuple[str, int | None, str | None, str]]:
    return [(u.location.uri, u.location.line, u.location.field, u.text) for u in units]


def test_zip_members_with_member_paths_in_uri() -> None:
    data = make_zip({"hr/people.csv": b"name,email\nBob,bob@x.org\n", "readme.txt": b"hi Ann\n",
                     "empty/": b""})
    units, errors = run(item_from_bytes(data, "bundle.zip", "file:///d/bundle.zip"))
    assert errors == []
    assert locations(units) == [
        ("file:///d/bundle.zip!/hr/people.csv", 2, "name", "Bob"),
        ("file:///d/bundle.zip!/hr/people.csv", 2, "email", "bob@x.org"),
        ("file:///d/bundle.zip!/readme.txt", 1, None, "hi Ann\n"),
    ]
    assert {u.source_kind for u in units} == {"file"}


def test_zip_in_tar_gz_nesting_uri() -> None:
    inner = make_zip({"data/contacts.json": b'{"email": "ann@x.org"}'})
    outer = make_tar({"backup/inner.zip": inner, "./notes.txt": b"call Bob\n"}, "w:gz")
    units, errors = run(item_from_bytes(outer, "backup.tar.gz", "file:///b.tar.gz"))
    assert errors == []
    assert locations(units) == [
        ("file:///b.tar.gz!/backup/inner.zip!/data/contacts.json", 1, "email", "ann@x.org"),
        ("file:///b.tar.gz!/notes.txt", 1, None, "call Bob\n"),
    ]


@pytest.mark.parametrize(("mode", "name"), [("w:bz2", "x.tar.bz2"), ("w:xz", "x.txz"),
                                            ("w", "x.tar")])
def test_tar_with_each_compression(mode: str, name: str) -> None:
    data = make_tar({"a/b.txt": b"bob@x.org\n"}, mode)
    units, errors = run(item_from_bytes(data, name, f"file:///{name}"))
    assert errors == []
    assert locations(units) == [(f"file:///{name}!/a/b.txt", 1, None, "bob@x.org\n")]


@pytest.mark.parametrize(("compress", "name", "inner"), [
    (gzip.compress, "people.csv.gz", "people.csv"),
    (bz2.compress, "people.csv.bz2", "people.csv"),
    (lzma.compress, "people.csv.xz", "people.csv"),
])
def test_single_file_compressors(compress, name: str, inner: str) -> None:
    data = compress(b"name,email\nBob,bob@x.org\n")
    units, errors = run(item_from_bytes(data, name, f"file:///{name}"))
    assert errors == []
    assert locations(units)[1] == (f"file:///{name}!/{inner}", 2, "email", "bob@x.org")


def test_zip_bomb_by_ratio_is_refused_and_the_rest_read() -> None:
    data = make_zip({"zeros.bin": b"\0" * (20 * 1024 * 1024), "ok.txt": b"Ann\n"})
    units, errors = run(item_from_bytes(data, "bomb.zip", "file:///bomb.zip"))
    assert [(e.kind, e.location) for e in errors] == [("bomb", "file:///bomb.zip!/zeros.bin")]
    assert locations(units) == [("file:///bomb.zip!/ok.txt", 1, None, "Ann\n")]


def test_gzip_bomb_caught_while_reading() -> None:
    data = gzip.compress(b"a" * (30 * 1024 * 1024))  # nothing declared up front
    units, errors = run(item_from_bytes(data, "log.gz", "file:///log.gz"))
    assert [(e.kind, e.location) for e in errors] == [("bomb", "file:///log.gz!/log")]
    assert sum(len(u.text) for u in units) < 30 * 1024 * 1024


def test_tar_gz_bomb_member_caught_while_reading() -> None:
    data = make_tar({"big.txt": b"b" * (20 * 1024 * 1024), "after.txt": b"x"}, "w:gz")
    _, errors = run(item_from_bytes(data, "t.tgz", "file:///t.tgz"))
    assert ("bomb", "file:///t.tgz!/big.txt") in [(e.kind, e.location) for e in errors]


def test_max_total_bytes_over_all_members() -> None:
    data = make_zip({f"f{i}.txt": b"x" * 800 + b"\n" for i in range(3)})
    units, errors = run(item_from_bytes(data, "a.zip", "file:///a.zip"), max_total_bytes=1000)
    assert [u.location.uri for u in units] == ["file:///a.zip!/f0.txt"]
    assert errors[0].kind == "bomb" and errors[0].location == "file:///a.zip!/f1.txt"


def test_max_members() -> None:
    data = make_zip({f"f{i}.txt": b"n\n" for i in range(5)})
    units, errors = run(item_from_bytes(data, "a.zip", "file:///a.zip"), max_members=3)
    assert len(units) == 3
    assert [(e.kind, e.location) for e in errors] == [("too_many_members", "file:///a.zip")]


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "a/../../b.txt", "C:/x.txt",
                                  "..\\win.txt"])
def test_traversal_names_are_refused(name: str) -> None:
    data = make_zip({name: b"root:x:0:0\n", "fine/../../../ok": b"x", "good.txt": b"ok\n"})
    units, errors = run(item_from_bytes(data, "t.zip", "file:///t.zip"))
    assert {e.kind for e in errors} == {"traversal"}
    assert len(errors) == 2
    assert [u.location.uri for u in units] == ["file:///t.zip!/good.txt"]


def test_tar_traversal_and_link_members() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, kind in (("../up.txt", tarfile.REGTYPE), ("sym", tarfile.SYMTYPE),
                           ("hard", tarfile.LNKTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/shadow" if kind != tarfile.REGTYPE else ""
            t.addfile(info, io.BytesIO(b""))
    units, errors = run(item_from_bytes(buf.getvalue(), "t.tar", "file:///t.tar"))
    assert units == []
    assert [(e.kind, e.location) for e in errors] == [
        ("traversal", "file:///t.tar!/../up.txt"), ("link", "file:///t.tar!/sym"),
        ("link", "file:///t.tar!/hard")]


def test_zip_symlink_member_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    units, errors = run(item_from_bytes(buf.getvalue(), "l.zip", "file:///l.zip"))
    assert units == [] and [(e.kind, e.location) for e in errors] == [("link", "file:///l.zip!/link")]


def _set_encrypted_flag(data: bytes) -> bytes:
    """Mark every member encrypted (bit 0 of the flags) in local and central headers."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = out.find(sig)
        while pos >= 0:
            (flags,) = struct.unpack_from("<H", out, pos + offset)
            struct.pack_into("<H", out, pos + offset, flags | 1)
            pos = out.find(sig, pos + 4)
    return bytes(out)


def test_encrypted_zip_member_is_an_error() -> None:
    data = _set_encrypted_flag(make_zip({"secret.txt": b"bob@x.org\n"}))
    units, errors = run(item_from_bytes(data, "s.zip", "file:///s.zip"))
    assert units == []
    assert [(e.kind, e.location) for e in errors] == [("encrypted", "file:///s.zip!/secret.txt")]


def test_truncated_zip_yields_readable_members_and_an_error() -> None:
    data = make_zip({"first.txt": b"Ann ann@x.org\n", "second.txt": b"y" * 5000})
    cut = data[: data.find(b"PK\x03\x04", 10) + 40]  # inside the second member
    units, errors = run(item_from_bytes(cut, "cut.zip", "file:///cut.zip"))
    assert locations(units) == [("file:///cut.zip!/first.txt", 1, None, "Ann ann@x.org\n")]
    assert [(e.kind, e.location) for e in errors] == [("corrupt", "file:///cut.zip")]


@pytest.mark.parametrize("data", [b"PK\x03\x04garbage", b"PK\x03\x04" + b"\xff" * 40,
                                  make_zip({"a.txt": b"a" * 100})[:-30]])
def test_garbage_zip_never_raises(data: bytes) -> None:
    _units, errors = run(item_from_bytes(data, "bad.zip", "file:///bad.zip"))
    assert errors and all(e.location.startswith("file:///bad.zip") for e in errors)


def test_truncated_tar_gz_keeps_earlier_members() -> None:
    data = make_tar({"a.txt": b"first bob@x.org\n", "b.bin": random.randbytes(50_000)}, "w:gz")
    units, errors = run(item_from_bytes(data[: len(data) // 2], "c.tgz", "file:///c.tgz"))
    assert locations(units)[0] == ("file:///c.tgz!/a.txt", 1, None, "first bob@x.org\n")
    assert errors[-1].kind == "corrupt" and errors[-1].location == "file:///c.tgz"


def test_crc_error_in_member_is_corrupt_for_that_member() -> None:
    data = bytearray(make_zip({"a.txt": b"hello bob\n", "b.txt": b"ok\n"}, zipfile.ZIP_STORED))
    pos = data.find(b"hello")
    data[pos] = ord("j")
    units, errors = run(item_from_bytes(bytes(data), "crc.zip", "file:///crc.zip"))
    assert [(e.kind, e.location) for e in errors] == [("corrupt", "file:///crc.zip!/a.txt")]
    assert [u.location.uri for u in units] == ["file:///crc.zip!/b.txt"]


def test_max_depth_exceeded() -> None:
    data = b"deep bob@x.org\n"
    name = "leaf.txt"
    for level in range(4):
        data, name = make_zip({name: data}), f"z{level}.zip"
    units, errors = run(item_from_bytes(data, name, "file:///z3.zip"), max_depth=2)
    assert units == []
    assert [(e.kind, e.location) for e in errors] == [
        ("too_deep", "file:///z3.zip!/z2.zip!/z1.zip!/z0.zip")]
    units, errors = run(item_from_bytes(data, name, "file:///z3.zip"), max_depth=4)
    assert errors == []
    assert locations(units) == [
        ("file:///z3.zip!/z2.zip!/z1.zip!/z0.zip!/leaf.txt", 1, None, "deep bob@x.org\n")]


def test_extension_lies_content_wins() -> None:
    zipped = make_zip({"x.csv": b"name,email\nBob,bob@x.org\n"})
    data = make_tar({"photo.jpg": zipped, "data.pdf": b'{"email": "a@x.org"}'})
    units, errors = run(item_from_bytes(data, "report.docx", "file:///r"))
    assert errors == []
    assert [(u.location.uri, u.location.field) for u in units] == [
        ("file:///r!/photo.jpg!/x.csv", "name"), ("file:///r!/photo.jpg!/x.csv", "email"),
        ("file:///r!/data.pdf", "email")]
