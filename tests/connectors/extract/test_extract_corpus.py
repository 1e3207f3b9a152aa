"""The public corpus in ../shared (skipped when absent): decoding, broken files, PDFs, pdscan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connectors.extract.textio import detect_encoding
from scanner.models import ScanError, TextUnit
from tests.helpers.extract import item_from_path, joined, run

pytestmark = pytest.mark.corpus


def test_cjk_encodings_match_their_utf8_twins(shared_corpus: Path) -> None:
    folder = shared_corpus / "documents" / "cjk_encodings"
    legacy = sorted(p for p in folder.glob("*.txt") if not p.stem.endswith("-utf8"))
    assert len(legacy) >= 10
    matched = []
    for path in legacy:
        want = (folder / f"{path.stem}-utf8.txt").read_bytes().decode("utf-8")
        units, errors = run(item_from_path(path))
        assert errors == [], path.name
        if "".join(u.text for u in units) == want.replace("\r\n", "\n"):
            matched.append(path.name)
    # Measured: 14 of 15 (big5hkscs.txt, 23 bytes, reads as gb18030).
    print(f"cjk_encodings: {len(matched)}/{len(legacy)} decoded exactly")
    assert len(matched) >= len(legacy) - 2
    assert len(matched) > len(legacy) // 2


def test_cjk_detection_is_stable_on_the_whole_file(shared_corpus: Path) -> None:
    path = shared_corpus / "documents" / "cjk_encodings" / "shift_jis.txt"
    assert detect_encoding(path.read_bytes()) in ("cp932", "shift_jis", "shift_jis_2004")


def test_broken_files_never_raise(shared_corpus: Path) -> None:
    folder = shared_corpus / "documents" / "broken"
    outcomes: dict[str, set[str]] = {}
    for path in sorted(folder.iterdir()):
        units, errors = run(item_from_path(path))  # raising would fail the test here
        kinds = {e.kind for e in errors} | ({"units"} if units else set())
        if path.stat().st_size:
            assert kinds, f"{path.name}: neither units nor an error"
        outcomes[path.name] = kinds
    assert "encrypted" in outcomes["encypted_by_libreoffice.odt"]
    assert "encrypted" in outcomes["password-hunter2.pdf"]
    assert "unsupported" in outcomes["7z_password.7z"]
    assert outcomes["non_utf.txt"] == {"units"}
    assert outcomes["empty.pdf"] == set()  # zero bytes: nothing to scan, not an error


def test_latin1_text_in_broken_folder(shared_corpus: Path) -> None:
    units, _ = run(item_from_path(shared_corpus / "documents" / "broken" / "non_utf.txt"))
    text = joined(units)
    assert "größter" in text and "Widersprüche" in text and "\ufffd" not in text


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_crazyones_pdf_matches_expected_text(shared_corpus: Path) -> None:
    folder = shared_corpus / "documents" / "pdf"
    units, errors = run(item_from_path(folder / "crazyones.pdf"))
    assert errors == []
    expected = (folder / "crazyones.txt").read_text(encoding="utf-8")
    assert " ".join(joined(units).split()) == " ".join(expected.split())
    assert {u.location.field for u in units} == {"page:1"}


@pytest.mark.parametrize("name", ["crazyones-encrypted-256.pdf"])
def test_password_protected_pdfs_are_encrypted_errors(shared_corpus: Path, name: str) -> None:
    units, errors = run(item_from_path(shared_corpus / "documents" / "pdf" / name))
    assert units == []
    assert [e.kind for e in errors] == ["encrypted"]


def test_pdf_with_empty_user_password_is_read(shared_corpus: Path) -> None:
    # r6-user-password.pdf opens with the empty password (pypdf reports the owner password).
    units, errors = run(item_from_path(shared_corpus / "documents" / "pdf" /
                                       "r6-user-password.pdf"))
    assert errors == []
    assert "pdf encryption test" in joined(units)


@pytest.mark.parametrize(("name", "suffix", "field"), [
    ("email.txt", "", None),
    ("email.csv", "", "email"),
    ("email.xlsx", "", None),
    ("email.zip", "!/email.txt", None),
    ("email.tar.gz", "!/email.txt", None),
])
def test_pdscan_email_present_with_member_path(
    shared_corpus: Path, name: str, suffix: str, field: str | None
) -> None:
    path = shared_corpus / "peer" / "pdscan_testdata" / name
    units, errors = run(item_from_path(path))
    assert errors == []
    hits = [u for u in units if isinstance(u, TextUnit) and "test@example.org" in u.text]
    assert hits, name
    assert hits[0].location.uri == path.resolve().as_uri() + suffix
    if field is not None:
        assert hits[0].location.field == field


def test_pdscan_empty_and_url_files(shared_corpus: Path) -> None:
    folder = shared_corpus / "peer" / "pdscan_testdata"
    units, errors = run(item_from_path(folder / "empty.txt"))
    assert units == [] and errors == []
    units, _ = run(item_from_path(folder / "url.txt"))
    assert "https://test:secret@example.org" in joined(units)
    assert not any(isinstance(e, ScanError) for e in units)


@pytest.mark.parametrize(("name", "expected"), [
    ("fnf.msg", "message/rfc822"),  # RFC 822 text behind a .msg extension
    ("piste.msg", "application/vnd.ms-outlook"),
    ("plan.mbox", "application/mbox"),
    ("plaintext.emlx", "message/x-emlx"),
    ("richtext.emlx", "message/x-emlx"),
    ("testThunderbirdEml.eml", "message/rfc822"),
])
def test_mail_samples_sniffed_for_the_mail_extractors(
    shared_corpus: Path, name: str, expected: str
) -> None:
    from connectors.extract import sniff

    path = shared_corpus / "mail" / "misc" / name
    assert sniff(path.read_bytes()[:8192], name) == expected


def test_pst_sniffed(shared_corpus: Path) -> None:
    from connectors.extract import sniff

    for path in sorted((shared_corpus / "mail" / "pst").glob("*.pst")):
        assert sniff(path.read_bytes()[:8192], path.name) == "application/vnd.ms-outlook-pst"
