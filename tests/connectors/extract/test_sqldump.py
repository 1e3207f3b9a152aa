"""SQL dumps read as tables: mysqldump's extended INSERTs, pg_dump's COPY blocks, SQLite's
.dump, and what falls back to prose."""

from __future__ import annotations

import io

import pytest

from connectors.extract.sqldump import looks_like_sql_dump
from connectors.extract.text import extract_text
from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Settings

MYSQL = b"""-- MySQL dump 10.13
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `customer`;
CREATE TABLE `customer` (
  `id` int NOT NULL AUTO_INCREMENT, `full_name` varchar(120), `tel` varchar(40),
  `note` text, `created_at` datetime,
  PRIMARY KEY (`id`), KEY `ix_tel` (`tel`)
) ENGINE=InnoDB;
INSERT INTO `customer` VALUES (1,'Jane Roe','+44 20 7946 0958','likes \\'tea\\'; calls, often',\
'2024-03-01 10:02:11'),(2,'John O''Neil',NULL,'a;b),(c','2024-03-02 11:00:00');
INSERT INTO `customer` (`tel`, `full_name`) VALUES
  ('+1 415 555 2671', 'Ann Lee'),
  ('020 7946 0123', 'Bob Kay');
"""

PG = b"""--
-- PostgreSQL database dump
--
CREATE TABLE public.people (
    id integer NOT NULL,
    name text,
    email text
);
COPY public.people (id, name, email) FROM stdin;
1\tJane Roe\tjane@example.org
2\tJohn\\tDoe\t\\N
\\.
SELECT pg_catalog.setval('public.people_id_seq', 2, true);
"""


def _units(data: bytes) -> list[TextUnit]:
    item = Item(uri="mem://dump.sql", source_kind="file", open=lambda: io.BytesIO(data),
                size=len(data), media_type="text/plain")
    out = list(extract_text(item, Settings()))
    assert not [e for e in out if isinstance(e, ScanError)]
    return [u for u in out if isinstance(u, TextUnit)]


def _cells(units: list[TextUnit]) -> list[tuple[str | None, str, int | None, str | None]]:
    return [(u.location.field, u.text, u.location.line, u.record) for u in units
            if u.kind == "value"]


def test_mysqldump_rows_are_cells_with_their_columns() -> None:
    units = _units(MYSQL)
    assert _cells(units) == [
        ("id", "1", 9, "customer:1"),
        ("full_name", "Jane Roe", 9, "customer:1"),
        ("tel", "+44 20 7946 0958", 9, "customer:1"),
        ("note", "likes 'tea'; calls, often", 9, "customer:1"),
        ("created_at", "2024-03-01 10:02:11", 9, "customer:1"),
        ("id", "2", 9, "customer:2"),
        ("full_name", "John O'Neil", 9, "customer:2"),  # NULL: no unit
        ("note", "a;b),(c", 9, "customer:2"),
        ("created_at", "2024-03-02 11:00:00", 9, "customer:2"),
        ("tel", "+1 415 555 2671", 11, "customer:1"),
        ("full_name", "Ann Lee", 11, "customer:1"),
        ("tel", "020 7946 0123", 12, "customer:2"),
        ("full_name", "Bob Kay", 12, "customer:2"),
    ]
    prose = [u for u in units if u.kind == "prose"]
    assert [u.location.line for u in prose] == [1, 2, 3, 4]
    assert "MySQL dump" in prose[0].text and "CREATE TABLE" in prose[3].text


def test_pg_dump_copy_blocks() -> None:
    units = _units(PG)
    assert _cells(units) == [
        ("id", "1", 10, "people:1"), ("name", "Jane Roe", 10, "people:1"),
        ("email", "jane@example.org", 10, "people:1"),
        ("id", "2", 11, "people:2"), ("name", "John\tDoe", 11, "people:2"),
    ]
    assert any("setval" in u.text and u.location.line == 13 for u in units if u.kind == "prose")


def test_sqlite_dump_and_what_falls_back_to_prose() -> None:
    data = (b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
            b"CREATE TABLE t(id INTEGER PRIMARY KEY, email TEXT);\n"
            b"INSERT INTO t VALUES(1,'a@example.org');\n"
            b"INSERT INTO t VALUES(2,lower('B@EXAMPLE.ORG'));\n"  # a function: the row is prose
            b"INSERT INTO t VALUES(3,'unterminated@example.org")  # cut off: prose at the end
    units = _units(data)
    assert _cells(units) == [("id", "1", 4, "t:1"), ("email", "a@example.org", 4, "t:1")]
    prose = "\n".join(u.text for u in units if u.kind == "prose")
    assert "lower('B@EXAMPLE.ORG')" in prose and "unterminated@example.org" in prose


@pytest.mark.parametrize(("text", "dump"), [
    (MYSQL.decode(), True),
    (PG.decode(), True),
    ("We ran INSERT INTO orders yesterday.\nNothing else.\n", False),
    ("INSERT INTO a VALUES (1);\n", False),  # one statement: a note, a snippet
])
def test_looks_like_sql_dump(text: str, dump: bool) -> None:
    assert looks_like_sql_dump(text) is dump


def test_a_dump_no_longer_makes_call_records_of_a_line_of_rows() -> None:
    from scanner.stages.classify import Classifier

    rows = ",".join(
        f"({i},'Person {i}','+44 20 7946 {i:04d}','2024-03-0{i % 9 + 1} 10:02:11')"
        for i in range(1, 6))
    data = (b"CREATE TABLE `c` (`id` int, `name` text, `tel` text, `at` datetime);\n"
            + f"INSERT INTO `c` VALUES {rows};\n".encode())
    classifier = Classifier(Settings().with_overrides(**{"classify.ner": False}), b"k" * 32)
    found = [f.entity for f in classifier.flat(_units(data))]
    assert found.count("PHONE_NUMBER") == 5 and "CALL_RECORD" not in found


def test_a_copy_row_longer_than_a_read() -> None:
    note = "x" * 300_000  # longer than one read of the stream (READ_CHARS)
    data = (b"CREATE TABLE public.notes (id integer, body text, email text);\n"
            b"COPY public.notes (id, body, email) FROM stdin;\n"
            + f"1\t{note}\tjane@example.org\n".encode() + b"\\.\n"
            + b"COPY public.more (id) FROM stdin;\n2\n\\.\n")
    cells = _cells(_units(data))
    assert [(f, t if len(t) < 50 else len(t)) for f, t, _, _ in cells] == [
        ("id", "1"), ("body", 300_000), ("email", "jane@example.org"), ("id", "2")]
