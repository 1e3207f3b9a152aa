"""mbox, Maildir/MH, .msg and PST: one item per message, located to the message; the corpus."""

from __future__ import annotations

import io
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.base import connector_for
from connectors.extract.walk import extract_all
from connectors.mail.mbox import extract_mbox, split_mbox
from connectors.mail.msg import extract_msg
from connectors.mail.pst import extract_pst
from scanner.models import Item, ScanError, TextUnit
from scanner.settings import Settings

SETTINGS = Settings()


def _message(sender: str, subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "team@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject}@example.com>"
    msg.set_content(body)
    return msg.as_bytes()


def _mbox(messages: list[bytes]) -> bytes:
    return b"".join(b"From - Mon Jan  1 00:00:00 2024\n" + m + b"\n" for m in messages)


def _file_item(path: Path) -> Item:
    return Item(uri=path.as_uri(), source_kind="file", open=lambda: open(path, "rb"),
                name=path.name)  # fmt: skip


def test_mbox_split_locations_and_lines(tmp_path: Path) -> None:
    msgs = [_message(f"User {i} <user{i}@example.com>", f"s{i}", f"body {i}\n") for i in (1, 2, 3)]
    data = _mbox(msgs)
    path = tmp_path / "archive.mbox"
    path.write_bytes(data)
    children = list(extract_mbox(_file_item(path), SETTINGS))
    assert [c.uri for c in children] == [f"{path.as_uri()}#msg={i}" for i in (1, 2, 3)]
    assert [c.metadata["message_id"] for c in children] == ["<s1@example.com>", "<s2@example.com>",
                                                            "<s3@example.com>"]  # fmt: skip
    units = [u for u in extract_all(_file_item(path), SETTINGS) if isinstance(u, TextUnit)]
    second_from = [u for u in units if u.location.field == "From" and u.record == "msg:2"]
    assert len(second_from) == 1
    assert second_from[0].text == "User 2 <user2@example.com>"
    assert second_from[0].location.uri == f"{path.as_uri()}#msg=2"
    # lines are lines of the mbox file
    expected = data[: data.index(b"From: User 2")].count(b"\n") + 1
    assert second_from[0].location.line == expected
    body3 = [u for u in units if u.record == "msg:3" and u.location.field is None]
    assert body3[0].location.line == data[: data.index(b"body 3")].count(b"\n") + 1


def test_mbox_oversized_message_is_skipped_and_recorded() -> None:
    big = _message("a@example.com", "big", "x" * 5000 + "\n")
    small = _message("b@example.com", "small", "ok\n")
    out = list(split_mbox(io.BytesIO(_mbox([small, big, small])), limit=2000))
    assert [(i, d is None) for i, _, d in out] == [(1, False), (2, True), (3, False)]
    settings = SETTINGS.with_overrides(**{"limits.max_item_bytes": 2000})
    item = Item(uri="file:///m.mbox", source_kind="file", name="m.mbox",
                open=lambda: io.BytesIO(_mbox([small, big, small])))  # fmt: skip
    walked = list(extract_mbox(item, settings))
    assert [(type(w).__name__, w.uri if isinstance(w, Item) else w.location) for w in walked] == [
        ("Item", "file:///m.mbox#msg=1"),
        ("ScanError", "file:///m.mbox#msg=2"),
        ("Item", "file:///m.mbox#msg=3"),
    ]


def test_mail_connector_mbox_target(tmp_path: Path) -> None:
    path = tmp_path / "a b.mbox"
    path.write_bytes(_mbox([_message("ann@example.com", "x", "hi\n")]))
    walked = list(connector_for(f"mbox://{path}", SETTINGS).walk())
    assert [w.uri for w in walked] == [f"mbox://{tmp_path.as_posix()}/a%20b.mbox#msg=1"]
    assert walked[0].source_kind == "mail"
    units = [u for u in extract_all(walked[0], SETTINGS) if isinstance(u, TextUnit)]
    assert [u.text for u in units if u.location.field == "From"] == ["ann@example.com"]


def test_mail_connector_maildir_and_mh(tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
        (root / ".Sent" / sub).mkdir(parents=True)
    (root / "cur" / "1700000000.M1.host:2,S").write_bytes(_message("a@example.com", "a", "1\n"))
    (root / "new" / "1700000001.M2.host").write_bytes(_message("b@example.com", "b", "2\n"))
    (root / ".Sent" / "cur" / "1700000002.M3.host:2,S").write_bytes(
        _message("c@example.com", "c", "3\n")
    )
    mh = root / "archive"
    mh.mkdir()
    (mh / "1").write_bytes(_message("d@example.com", "d", "4\n"))
    (mh / "10").write_bytes(_message("e@example.com", "e", "5\n"))
    (mh / ".mh_sequences").write_text("unseen: 10\n")
    walked = list(connector_for(f"maildir://{root}", SETTINGS).walk())
    base = root.as_uri().replace("file://", "maildir://")
    assert [w.uri for w in walked] == [
        f"{base}#folder=INBOX/msg=1700000000.M1.host",
        f"{base}#folder=INBOX/msg=1700000001.M2.host",
        f"{base}#folder=Sent/msg=1700000002.M3.host",
        f"{base}#folder=archive/msg=1",
        f"{base}#folder=archive/msg=10",
    ]
    senders = []
    for w in walked:
        senders += [u.text for u in extract_all(w, SETTINGS)
                    if isinstance(u, TextUnit) and u.location.field == "From"]  # fmt: skip
    assert senders == ["a@example.com", "b@example.com", "c@example.com", "d@example.com",
                       "e@example.com"]  # fmt: skip


def test_msg_with_a_lying_extension_is_read_as_rfc822() -> None:
    data = _message("Ann <ann@example.com>", "x", "hello\n")
    item = Item(uri="file:///x/fake.msg", source_kind="file", name="fake.msg",
                open=lambda: io.BytesIO(data))  # fmt: skip
    units = [u for u in extract_msg(item, SETTINGS) if isinstance(u, TextUnit)]
    assert [u.text for u in units if u.location.field == "From"] == ["Ann <ann@example.com>"]
    garbage = Item(uri="file:///x/junk.msg", source_kind="file", name="junk.msg",
                   open=lambda: io.BytesIO(b"\x00\x01 not a message"))  # fmt: skip
    assert [(e.location, e.kind) for e in extract_msg(garbage, SETTINGS)] == [
        ("file:///x/junk.msg", "corrupt")
    ]


def test_broken_pst_is_recorded() -> None:
    item = Item(uri="file:///x/bad.pst", source_kind="file", name="bad.pst",
                open=lambda: io.BytesIO(b"!BDN" + b"\x00" * 600))  # fmt: skip
    out = list(extract_pst(item, SETTINGS))
    assert [(e.location, e.kind) for e in out] == [("file:///x/bad.pst", "corrupt")]


def _scan_file(path: Path) -> list[object]:
    return list(extract_all(_file_item(path), SETTINGS))


@pytest.mark.corpus
def test_pst_corpus_messages(shared_corpus: Path) -> None:
    path = shared_corpus / "mail" / "pst" / "go-pst_support.pst"
    children = list(extract_pst(_file_item(path), SETTINGS))
    messages = [c for c in children if isinstance(c, Item)]
    assert len(messages) == 17
    assert not [c for c in children if isinstance(c, ScanError)]
    folders = Counter(m.uri.split("#folder=")[1].rsplit("/msg=", 1)[0] for m in messages)
    assert folders == {"Top%20of%20Personal%20Folders/Drafts": 6,
                       "Top%20of%20Personal%20Folders/Sent%20Messages": 11}  # fmt: skip
    out = _scan_file(path)
    units = [u for u in out if isinstance(u, TextUnit)]
    with_from = {u.location.uri for u in units if u.location.field == "From"}
    assert len(with_from) == 17  # every message yields its sender
    assert any("support@hackingteam.com" in u.text for u in units)
    # the PGP key attached to Sent message 6 is reached (and skipped by type, not lost)
    key = [e for e in out if isinstance(e, ScanError)]
    assert [(e.location.rsplit("/", 2)[-2:], e.kind) for e in key] == [
        (["msg=6", "attachment=support@hackingteam.it.asc"], "skipped")
    ]
    counts = {}
    for name in ("aleph_testPST.pst", "go-pst_32-bit.pst"):
        items = list(extract_pst(_file_item(shared_corpus / "mail" / "pst" / name), SETTINGS))
        counts[name] = sum(isinstance(i, Item) for i in items)
    assert counts == {"aleph_testPST.pst": 6, "go-pst_32-bit.pst": 1}


@pytest.mark.corpus
def test_every_corpus_message_is_scanned_or_recorded(shared_corpus: Path) -> None:
    """No crash, and each message yields units or a recorded error (counts measured once)."""
    mail = shared_corpus / "mail"
    empty_ok = {"msg_18.txt"}  # only a Content-Type and an X- header, and an empty body
    crashes, silent = [], []
    corrupt = Counter()
    for path in sorted(p for p in mail.rglob("*") if p.is_file()):
        out = _scan_file(path)
        for e in out:
            if isinstance(e, ScanError) and e.kind == "corrupt":
                corrupt[path.name] += 1
                if "Error:" in e.message and "boundary" not in e.message:
                    crashes.append((path.name, e.message))
        if not any(isinstance(x, TextUnit) for x in out) and path.name not in empty_ok:
            silent.append(path.name)
    assert crashes == []
    assert silent == []
    # messages whose multipart boundary is missing or broken: read as text and recorded
    assert corrupt == {
        "msg_15.txt": 1, "msg_17.txt": 1, "msg_25.txt": 1, "msg_31.txt": 1, "msg_39.txt": 1,
        "msg_41.txt": 1, "msg_42.txt": 1, "mail_malformed_1": 1, "mail_malformed_2": 1,
        "mail_malformed_3": 1,
        "msg_22.txt": 2,  # two JPEG attachments whose bytes are not an image (OCR says so)
    }  # fmt: skip


@pytest.mark.corpus
def test_corpus_msg_files(shared_corpus: Path) -> None:
    misc = shared_corpus / "mail"
    outlook = _scan_file(misc / "mail_parser" / "mail_outlook_1.msg")
    fields = {u.location.field: u.text for u in outlook if isinstance(u, TextUnit)}
    assert "gaiser-schoenenborn@kreis-tuebingen.de" in fields["To"]
    assert fields["Subject"].startswith("Newsletter Prüfung Personalwesen")
    # the newsletter's image attachment is read with OCR (its page in the field)
    ocr = [u for u in outlook if isinstance(u, TextUnit)
           and u.location.uri.endswith("#attachment=newsletter.png")]
    assert ocr and ocr[0].location.field == "page:1" and "Newsletter" in ocr[0].text
    fnf = _scan_file(misc / "misc" / "fnf.msg")  # RFC 822 text with a .msg name
    assert any(isinstance(u, TextUnit) and u.location.field == "From" for u in fnf)
