"""Plain text: encodings, streaming in line-aligned units, log detection, truncation."""

from __future__ import annotations

import io

import pytest

from connectors.extract.textio import UNIT_CHARS, detect_encoding, line_chunks, looks_like_log
from tests.helpers.extract import item_from_bytes, joined, run

TEXT = "Jörg Müller, café Zürich — naïve résumé\nsecond line: bob@example.org\n"

ENCODINGS = [
    ("utf-8", TEXT.encode("utf-8")),
    ("utf-8 BOM", b"\xef\xbb\xbf" + TEXT.encode("utf-8")),
    ("utf-16 LE BOM", b"\xff\xfe" + TEXT.encode("utf-16-le")),
    ("utf-16 BE BOM", b"\xfe\xff" + TEXT.encode("utf-16-be")),
    ("utf-16 LE no BOM", TEXT.encode("utf-16-le")),
    ("utf-32 BOM", TEXT.encode("utf-32")),
    ("cp1252", TEXT.replace("—", "-").encode("cp1252")),
    ("latin-1", TEXT.replace("—", "-").encode("latin-1")),
]


@pytest.mark.parametrize(("label", "data"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_encodings_decode_to_the_same_text(label: str, data: bytes) -> None:
    units, errors = run(item_from_bytes(data, "note.txt"))
    expected = TEXT if "cp1252" not in label and "latin" not in label else TEXT.replace("—", "-")
    assert errors == []
    assert joined(units) == expected
    assert units[0].location.line == 1 and units[0].location.field is None


def test_encoding_detection_of_seven_bit_escapes() -> None:
    assert detect_encoding("日本語のテキスト".encode("iso2022_jp")) == "iso2022_jp"
    assert detect_encoding("中文文本测试".encode("hz")) == "hz"
    assert detect_encoding(b"plain ascii ~ text") == "utf-8"  # a lone "~" is not HZ


def test_crlf_line_numbers_and_prose_kind() -> None:
    data = b"Dear Ann,\r\n\r\nplease call Bob.\r\nThanks\r\n"
    units, _ = run(item_from_bytes(data, "letter.txt"))
    assert len(units) == 1
    assert units[0].kind == "prose"
    assert units[0].text.split("\n")[2] == "please call Bob."


def test_large_text_is_split_at_line_boundaries_with_true_line_numbers() -> None:
    lines = [f"line {n:06d} some words to make it longer" for n in range(1, 20001)]
    data = ("\n".join(lines) + "\n").encode()
    units, _ = run(item_from_bytes(data, "big.txt"))
    assert len(units) > 5
    for unit in units:
        assert len(unit.text) <= UNIT_CHARS
        assert unit.text.endswith("\n")
        first = int(unit.text[5:11])
        assert unit.location.line == first  # a unit's line is the line of its first character
    assert "".join(u.text for u in units) == data.decode()


def test_a_line_longer_than_a_unit_is_cut_and_keeps_its_line() -> None:
    text = "short\n" + "x" * (UNIT_CHARS + 10) + "\nlast\n"
    chunks = list(line_chunks(io.StringIO(text)))
    assert [line for line, _ in chunks] == [1, 2, 2][: len(chunks)]
    assert "".join(c for _, c in chunks) == text


LOGS = [
    ("2024-01-01 12:00:01 INFO user=bob action=login\n" * 10, True),
    ('127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200\n' * 5, True),
    ("Jan  3 10:00:01 host sshd[1]: Accepted password\n" * 5, True),
    ("ts=1 level=info msg=hello\n" * 5, True),
    ("Dear Ann,\nThanks for the meeting on 2024-01-01.\nBest, Bob\nPS: call me\n", False),
    ("The year 2024 was good.\nIn 2023 it rained.\nNothing else.\n", False),
]


@pytest.mark.parametrize(("text", "is_log"), LOGS)
def test_log_detection(text: str, is_log: bool) -> None:
    assert looks_like_log(text) is is_log


def test_log_file_units_are_log_kind() -> None:
    data = ("2024-01-01T12:00:01Z INFO user=bob@example.org ok\n" * 50).encode()
    units, _ = run(item_from_bytes(data, "app.log"))
    assert {u.kind for u in units} == {"log"}


def test_max_text_chars_truncates_and_records_it() -> None:
    data = ("word " * 2000).encode()
    units, errors = run(item_from_bytes(data, "long.txt"), max_text_chars=1000)
    assert sum(len(u.text) for u in units) == 1000
    assert [(e.kind, e.location) for e in errors] == [("truncated", "mem:///long.txt")]


class _LargeStream(io.RawIOBase):
    """A stream of ``total`` bytes of text, made on the fly, that records how far it was read."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pos = 0
        self.line = b"2024-01-01 00:00:00 user=someone action=read ok\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.total - self.pos)
        reps = self.line * (n // len(self.line) + 2)
        start = self.pos % len(self.line)
        buffer[:n] = reps[start : start + n]
        self.pos += n
        return n


def test_large_file_is_streamed_not_read_whole() -> None:
    from scanner.models import Item

    stream = _LargeStream(200 * 1024 * 1024)
    item = Item(uri="mem:///huge.log", source_kind="file", open=lambda: io.BufferedReader(stream),
                name="huge.log")
    from connectors.extract.walk import extract_all
    from scanner.settings import Settings

    produced = extract_all(item, Settings())
    first = next(produced)
    assert first.kind == "log" and first.location.line == 1
    assert stream.pos < 2 * 1024 * 1024  # only what the first unit needed was read
    second = next(produced)
    assert second.location.line == 1 + first.text.count("\n")
    produced.close()
