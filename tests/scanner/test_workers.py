"""Extraction in the worker processes: the same findings and errors, in the same order, as one
process; and workers that die with their parent, ``kill -9`` included."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from email.message import EmailMessage
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa

from scanner import pipeline
from scanner.models import Item, ScanResult
from scanner.pipeline import Classifier, scan
from scanner.settings import Settings, load_settings
from scanner.stages import workers
from tests.helpers.database import build
from tests.helpers.paths import GOLDEN, ROOT
from tests.helpers.scan import facts as _facts

SECRET = b"w" * 32


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings().with_overrides(workers=1)


@pytest.fixture(scope="module")
def classifier(settings: Settings) -> Classifier:
    return Classifier(settings, SECRET)


def _message(i: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Person {i} <person{i}@example.org>"
    msg["To"] = "desk@example.com"
    msg["Subject"] = f"ticket {i}"
    msg.set_content(f"Please call me on +44 20 7946 09{i:02d}. Card 4111 1111 1111 1111.\n")
    return msg.as_bytes()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A folder of every kind of item (and of failure), a mail archive and a database."""
    root = tmp_path_factory.mktemp("mixed")
    folder = root / "share"
    (folder / "golden").mkdir(parents=True)
    for f in GOLDEN.iterdir():
        (folder / "golden" / f.name).write_bytes(f.read_bytes())
    with zipfile.ZipFile(folder / "cut.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("people.csv", "name,email\n" + "Ann Lee,ann.lee@example.org\n" * 200)
    blob = (folder / "cut.zip").read_bytes()
    (folder / "cut.zip").write_bytes(blob[: len(blob) // 2])
    with zipfile.ZipFile(folder / "ok.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("inner/notes.txt", "Reach bo.chen@example.net or 203.0.113.9.\n")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        data = b"iban GB82 WEST 1234 5698 7654 32\n"
        info = tarfile.TarInfo("t/bank.txt")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    (folder / "bank.tgz").write_bytes(buf.getvalue())
    (folder / "junk.bin").write_bytes(bytes(range(256)) * 40)
    (folder / "fake.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 40)
    (folder / "empty.txt").write_bytes(b"")
    os.mkfifo(folder / "pipe")
    # Larger than the limit the tests set below: extracted in the parent, classified in the pool.
    rows = "".join(f"{i},Jane Roe {i},jane.roe{i}@example.org,+44 20 7946 {i:04d}\n"
                   for i in range(3000))
    (folder / "big.csv").write_text("id,name,email,phone\n" + rows, "utf-8")
    for i in range(30):  # many small items: grouped into tasks
        (folder / f"small-{i:02d}.txt").write_text(f"note {i}: ask k{i}@example.com\n", "utf-8")
    mbox = root / "desk.mbox"
    mbox.write_bytes(b"".join(b"From - Mon Jan  1 00:00:00 2024\n" + _message(i) + b"\n"
                              for i in range(12)))
    db = root / "crm.db"
    build(sa.create_engine(f"sqlite:///{db}"))
    return [str(folder), f"mbox://{mbox}", f"sqlite:///{db}", "foo://nothing-takes-this"]


@pytest.fixture(scope="module")
def one_process(mixed: list[str], settings: Settings, classifier: Classifier) -> ScanResult:
    return scan(mixed, settings, secret=SECRET, classifier=classifier)


def test_the_mixed_input_has_every_route(one_process: ScanResult) -> None:
    """The comparison below means something: findings from files, archive members, the big
    file, messages and table columns, and errors of several kinds."""
    uris = {f.location.uri for f in one_process.findings}
    assert any("ok.zip!/" in u for u in uris) and any("bank.tgz!/" in u for u in uris)
    assert any(u.endswith("big.csv") for u in uris)
    assert any(u.startswith("mbox://") and "#msg=" in u for u in uris)
    assert any("People%20Records" in u or "People Records" in u for u in uris)
    assert any(u.endswith("small-29.txt") for u in uris)
    kinds = {e.kind for e in one_process.errors}
    assert {"skipped", "unsupported"} <= kinds and len(kinds) >= 3
    assert one_process.info.failed >= 2 and one_process.info.skipped >= 2


@pytest.mark.parametrize("worker_item_bytes,group_items,split_text", [
    (8 * 1024 * 1024, 16, 8 * 1024 * 1024),  # every file whole in a worker
    (8 * 1024 * 1024, 16, 256 * 1024),  # the defaults
    (64 * 1024, 3, 1024),  # most files extracted here, their batches in the pool
])
def test_workers_give_the_same_findings_and_errors_in_the_same_order(
    mixed: list[str], settings: Settings, classifier: Classifier, one_process: ScanResult,
    monkeypatch: pytest.MonkeyPatch, worker_item_bytes: int, group_items: int, split_text: int,
) -> None:
    monkeypatch.setattr(pipeline, "WORKER_ITEM_BYTES", worker_item_bytes)
    monkeypatch.setattr(pipeline, "GROUP_ITEMS", group_items)
    monkeypatch.setattr(workers, "SPLIT_TEXT_BYTES", split_text)
    two = scan(mixed, settings.with_overrides(workers=2), secret=SECRET, classifier=classifier)
    want = _facts(one_process)
    got = _facts(two)
    assert got[2] == want[2]
    assert got[1] == want[1]
    assert len(got[0]) == len(want[0]) and got[0] == want[0]


@pytest.mark.parametrize("batch_chars", [2 * 1024, 256 * 1024])  # many batches; the old size
def test_the_batch_size_changes_no_finding(
    mixed: list[str], settings: Settings, classifier: Classifier, one_process: ScanResult,
    monkeypatch: pytest.MonkeyPatch, batch_chars: int,
) -> None:
    """Classification batches of another size (steps.BATCH_CHARS: 64 KB since the NER's tail
    was measured) give the same findings and errors in the same order, in one process and in
    the pool."""
    from scanner.stages import steps

    assert batch_chars != steps.BATCH_CHARS
    monkeypatch.setattr(steps, "BATCH_CHARS", batch_chars)
    want = _facts(one_process)
    for n in (1, 2):
        got = _facts(scan(mixed, settings.with_overrides(workers=n), secret=SECRET,
                          classifier=classifier))
        assert got[2] == want[2] and got[1] == want[1]
        assert len(got[0]) == len(want[0]) and got[0] == want[0]


def test_items_go_to_workers_as_paths_or_bytes(tmp_path: Path, settings: Settings) -> None:
    """A local file travels as its path; an in-memory item as its bytes; a large or
    unknown-size item stays in the parent."""
    f = tmp_path / "a b.txt"
    f.write_text("x@example.org\n")
    from connectors.files import FileConnector

    (item,) = FileConnector(str(tmp_path), settings).walk()
    ref = pipeline.item_ref(item)
    assert ref is not None and ref[0] == str(f.resolve()) and ref[1] is None
    mem = Item("mbox:///x#msg=1", "mail", lambda: io.BytesIO(b"hello"), size=5)
    ref = pipeline.item_ref(mem)
    assert ref is not None and ref[0] is None and ref[1] == b"hello"
    assert pipeline.item_from_ref(ref).open().read() == b"hello"
    assert pipeline.item_ref(Item("s3://b/k", "s3", lambda: io.BytesIO(b"x"), size=None)) is None
    assert pipeline.item_ref(item, limit=5) is None
    broken = Item("s3://b/gone", "s3", lambda: (_ for _ in ()).throw(OSError("gone")), size=3)
    assert pipeline.item_ref(broken) is None  # extracted here, so the error is the same


# -- workers die with their parent -----------------------------------------------------------
def _slow_folder(root: Path) -> Path:
    root.mkdir()
    text = "Jane Roe met Rahul Mehta in London; write to jane.roe@example.org.\n" * 400
    for i in range(60):
        (root / f"doc-{i:02d}.txt").write_text(text, "utf-8")
    return root


def test_workers_die_when_the_scan_is_killed(tmp_path: Path) -> None:
    folder = _slow_folder(tmp_path / "slow")
    env = {**os.environ, "PIISCOUT_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from scanner.cli import main; main()", "scan", str(folder),
         "--workers", "2",
         "--no-inventory", "--no-progress", "--format", "jsonl", "-o", str(tmp_path / "out")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        parent = psutil.Process(proc.pid)
        workers: list[psutil.Process] = []
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            workers = parent.children(recursive=True)
        assert len(workers) >= 2, "the scan did not start its workers"
        time.sleep(1.0)  # let them pick up work
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        _, alive = psutil.wait_procs(workers, timeout=5)
        for p in alive:  # do not leave them behind when the test fails
            p.kill()
        assert not alive, f"workers still alive after the parent's kill -9: {alive}"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_die_with_parent_exits_when_the_parent_is_already_gone() -> None:
    """The race: the parent died before the worker armed PDEATHSIG; the pid check catches it."""
    code = ("import os; from scanner.pipeline import die_with_parent; "
            "die_with_parent(os.getppid() + 1000000); print('still here')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 1 and "still here" not in out.stdout


@pytest.mark.parametrize("skip, pools", [(True, 0), (False, 1)])
def test_the_pool_is_made_for_the_first_item_read(tmp_path: Path, settings: Settings,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  skip: bool, pools: int) -> None:
    """A rescan whose every item is unchanged loads no classifier and starts no worker; a scan
    with an item to read makes one pool, and finds what one process finds."""
    for i in range(3):
        (tmp_path / f"f{i}.txt").write_text(f"Write to person{i}@example.org today.\n")
    made: list[object] = []

    class Counted(workers.Pool):
        def __init__(self, *args: object, **kwargs: object) -> None:
            made.append(self)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "Pool", Counted)
    two = settings.with_overrides(workers=2)
    events = list(pipeline.iter_scan([str(tmp_path)], two, secret=SECRET,
                                     skip_item=lambda walked: skip))
    assert len(made) == pools
    found = [e for e in events if getattr(e, "entity", None) == "EMAIL_ADDRESS"]
    if skip:
        assert not found
    else:
        one = scan([str(tmp_path)], settings, secret=SECRET)
        assert sorted(f.value_hash for f in found) == sorted(
            f.value_hash for f in one.findings if f.entity == "EMAIL_ADDRESS")
        assert len(found) == 3
