"""One scan across a Dask cluster: a real scheduler and worker processes on loopback (``dask
scheduler`` / ``dask worker``, started here), and ``local:2``. The cluster gives exactly the findings
and errors of the same scan on one machine; a worker killed mid-scan changes nothing; losing the
scheduler ends the scan (exit 3); no clear value, credential or the secret is in a task's
arguments or in the scheduler's and workers' logs."""

from __future__ import annotations

import os
import pickle
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from scanner import cluster
from scanner.cli import main
from scanner.errors_exit import ScanInterrupted
from scanner.models import Finding, ScanResult
from scanner.pipeline import Classifier, iter_scan, scan
from scanner.settings import Settings, load_settings
from tests.helpers.database import build, drop, shared_classifier
from tests.helpers.paths import GOLDEN
from tests.helpers.s3 import LIMIT, SECRET_KEY
from tests.helpers.scan import facts as _facts
from tests.helpers.servers import require_server

pytest.importorskip("distributed")

SECRET = b"d" * 32  # the secret of tests.helpers.database.shared_classifier
DASK = Path(sys.executable).parent / "dask"
PLANTED = ["jane.roe@example.org", "ann.lee@example.org", "bo.chen@example.net",
           "4111 1111 1111 1111", "+44 20 7946 0958", "GB82 WEST 1234 5698 7654 32"]
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing-access-key", "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class DaskCluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]
    logs: list[Path] = field(default_factory=list)

    def log_text(self) -> str:
        return "\n".join(p.read_text("utf-8", "replace") for p in self.logs if p.exists())

    def stop(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def _pg_env() -> dict[str, str]:
    url = os.environ.get("PIISCOUT_TEST_PG_URL") or _server_var("PIISCOUT_TEST_PG_URL")
    if not url:
        return {}
    parsed = sa.engine.make_url(url)
    return {"PGUSER": parsed.username or "", "PGPASSWORD": parsed.password or ""}


def _server_var(name: str) -> str | None:
    from tests.helpers.servers import read_server_env as _server_env

    return _server_env().get(name)


def start_cluster(tmp: Path, workers: int = 2, *, nanny: bool = True) -> DaskCluster:
    """A scheduler and ``workers`` single-thread worker processes on 127.0.0.1; credentials for
    the test servers only in the workers' environment."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    tmp.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **AWS_ENV, **_pg_env(), "PIISCOUT_HOME": str(tmp / "home")}
    logs = [tmp / "scheduler.log"]
    sched = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=logs[0].open("wb"), stderr=subprocess.STDOUT, env=env, cwd=tmp,
    )
    procs = []
    for i in range(workers):
        logs.append(tmp / f"worker-{i}.log")
        args = [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1",
                "--no-dashboard", "--name", f"w{i}", "--local-directory", str(tmp / f"w{i}")]
        if not nanny:
            args.append("--no-nanny")
        procs.append(subprocess.Popen(args, stdout=logs[-1].open("wb"), stderr=subprocess.STDOUT,
                                      env=env, cwd=tmp))
    c = DaskCluster(address, sched, procs, logs)
    from distributed import Client

    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
    except Exception:
        c.stop()
        raise
    return c


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    c = start_cluster(tmp_path_factory.mktemp("dask"))
    yield c
    c.stop()


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings().with_overrides(workers=1)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return shared_classifier()  # type: ignore[return-value]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("share")
    for f in GOLDEN.iterdir():
        (root / f.name).write_bytes(f.read_bytes())
    with zipfile.ZipFile(root / "cut.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("people.csv", "name,email\n" + "Ann Lee,ann.lee@example.org\n" * 200)
    blob = (root / "cut.zip").read_bytes()
    (root / "cut.zip").write_bytes(blob[: len(blob) // 2])
    with zipfile.ZipFile(root / "ok.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("inner/notes.txt", "Reach bo.chen@example.net, card 4111 1111 1111 1111.\n")
    os.mkfifo(root / "pipe")
    (root / "empty.txt").write_bytes(b"")
    for i in range(12):
        (root / "many" / f"{i:02d}").mkdir(parents=True)
        (root / "many" / f"{i:02d}" / "n.txt").write_text(
            f"Jane Roe ({i}) jane.roe@example.org +44 20 7946 0958\n", "utf-8")
    return root


def _same(on_cluster: ScanResult, alone: ScanResult) -> None:
    got, want = _facts(on_cluster), _facts(alone)
    assert got[2] == want[2]
    assert got[1] == want[1]
    assert len(got[0]) == len(want[0]) and got[0] == want[0]
    assert want[0], "the comparison needs findings"


@pytest.fixture(autouse=True)
def small_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several units per folder, so that ordering across units is tested."""
    monkeypatch.setattr(cluster, "TASK_ITEMS", 3)


# -- planning, addresses, credentials --------------------------------------------------------
@pytest.mark.parametrize("address,want", [
    ("tcp://127.0.0.1:8786", ("remote", "tcp://127.0.0.1:8786")),
    ("tls://sched.internal:8786", ("remote", "tls://sched.internal:8786")),
    ("local:2", ("local", 2)),
])
def test_cluster_addresses(address: str, want: tuple[str, object]) -> None:
    assert cluster.parse_address(address) == want


@pytest.mark.parametrize("address", ["local:0", "local:x", "http://h:1", "127.0.0.1:8786",
                                     "tcp://", "tcp://user:pw@h:1"])
def test_bad_cluster_addresses(address: str) -> None:
    with pytest.raises(ValueError):
        cluster.parse_address(address)


@pytest.mark.parametrize("target,want", [
    ("postgresql+psycopg://scanner:S3cret@db.internal:5432/crm",
     "postgresql+psycopg://db.internal:5432/crm"),
    ("postgresql+psycopg://scanner:4242/S3cretPW@host/db", "postgresql+psycopg://host/db"),
    ("mysql+pymysql://u:S3cret#PW@host/x", "mysql+pymysql://host/x"),
    ("postgresql://h/db?sslmode=require&password=S3cret", "postgresql://h/db?sslmode=require"),
    ("smb://jane@fileserver/share/HR", "smb://fileserver/share/HR"),
    ("sqlite:////srv/data/crm.db", "sqlite:////srv/data/crm.db"),
    ("mbox:///archive/a@b.mbox", "mbox:///archive/a@b.mbox"),
    ("s3://bucket/prefix@2024", "s3://bucket/prefix@2024"),
    ("/plain/folder", "/plain/folder"),
])
def test_units_carry_targets_without_credentials(target: str, want: str) -> None:
    assert cluster.worker_target(target) == want


def test_worker_finds_full_target_in_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    full = "postgresql+psycopg://scanner:S3cret@db.internal:5432/crm"
    monkeypatch.setenv(cluster.ENV_TARGETS, f"sqlite:///x.db {full}")
    assert cluster._with_credentials("postgresql+psycopg://db.internal:5432/crm") == full
    assert cluster._with_credentials("postgresql+psycopg://other:5432/crm") == (
        "postgresql+psycopg://other:5432/crm")


def test_plan_groups_files_in_walk_order(folder: Path, settings: Settings) -> None:
    entries = list(cluster.plan([str(folder), "foo://x"], settings))
    tasks = [p for k, p in entries if k == "task"]
    assert all(t.kind == "files" and 1 <= len(t.refs) <= 3 for t in tasks)
    uris = [r[2] for t in tasks for r in t.refs]
    assert len(uris) == len(set(uris)) > 12
    assert all(r[0] and r[1] is None for t in tasks for r in t.refs)  # paths, never bytes
    errors = [s for k, p in entries if k == "steps" for s in p]
    assert [e[1].kind for e in errors] == ["skipped", "unsupported"]  # the FIFO, foo://
    assert "jane" not in repr(tasks[0]) and str(folder) not in repr(tasks[0])


# -- equality with one machine ---------------------------------------------------------------
def test_folder_on_a_cluster_equals_one_machine(
    dask_cluster: DaskCluster, folder: Path, settings: Settings, classifier: Classifier
) -> None:
    alone = scan([str(folder)], settings, secret=SECRET, classifier=classifier)
    seen = []
    on = scan([str(folder)], settings, secret=SECRET, cluster=dask_cluster.address,
              on_progress=seen.append)
    _same(on, alone)
    assert seen[-1].scanned == alone.info.scanned and seen[-1].workers == 2
    assert any(not p.done and p.uri.endswith("n.txt") for p in seen)


def test_folder_on_a_local_cluster_equals_one_machine(
    folder: Path, settings: Settings, classifier: Classifier
) -> None:
    alone = scan([str(folder)], settings, secret=SECRET, classifier=classifier)
    _same(scan([str(folder)], settings, secret=SECRET, cluster="local:2"), alone)


@pytest.mark.server
def test_s3_bucket_on_a_cluster_equals_one_machine(
    dask_cluster: DaskCluster, bucket: str, endpoint: str, classifier: Classifier
) -> None:
    s = load_settings().with_overrides(
        workers=1, s3_endpoint_url=endpoint, **{"limits.max_item_bytes": LIMIT})
    alone = scan([f"s3://{bucket}"], s, secret=SECRET, classifier=classifier)
    on = scan([f"s3://{bucket}"], s, secret=SECRET, cluster=dask_cluster.address)
    _same(on, alone)
    assert {e.kind for e in on.errors} >= {"too_large"}
    missing = scan(["s3://piiscout-absent-bucket/x"], s, secret=SECRET,
                   cluster=dask_cluster.address)
    assert [e.kind for e in missing.errors] == ["unreadable"] and missing.findings == ()


@pytest.mark.server
def test_s3_bucket_on_a_local_cluster_equals_one_machine(
    bucket: str, endpoint: str, classifier: Classifier
) -> None:
    s = load_settings().with_overrides(
        workers=1, s3_endpoint_url=endpoint, **{"limits.max_item_bytes": LIMIT})
    alone = scan([f"s3://{bucket}"], s, secret=SECRET, classifier=classifier)
    _same(scan([f"s3://{bucket}"], s, secret=SECRET, cluster="local:2"), alone)


def test_sqlite_database_on_a_cluster_equals_one_machine(
    dask_cluster: DaskCluster, tmp_path: Path, settings: Settings, classifier: Classifier
) -> None:
    db = tmp_path / "crm.db"
    build(sa.create_engine(f"sqlite:///{db}"))
    target = f"sqlite:///{db}"
    alone = scan([target], settings, secret=SECRET, classifier=classifier)
    on = scan([target], settings, secret=SECRET, cluster=dask_cluster.address)
    _same(on, alone)
    assert any(f.attributes for f in on.findings)  # column-level summaries made on the workers


@pytest.mark.server
def test_postgresql_on_a_cluster_equals_one_machine(
    dask_cluster: DaskCluster, settings: Settings, classifier: Classifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = require_server("PIISCOUT_TEST_PG_URL")
    engine = sa.create_engine(url)
    build(engine)
    payloads: list[bytes] = []
    _record_payloads(monkeypatch, payloads)
    try:
        alone = scan([url], settings, secret=SECRET, classifier=classifier)
        on = scan([url], settings, secret=SECRET, cluster=dask_cluster.address)
    finally:
        drop(engine)
        engine.dispose()
    _same(on, alone)
    password = sa.engine.make_url(url).password
    assert password and payloads
    assert not any(password.encode() in p for p in payloads)  # the workers had it from PGPASSWORD


# -- faults ----------------------------------------------------------------------------------
def test_a_worker_killed_mid_scan_changes_nothing(
    tmp_path: Path, folder: Path, settings: Settings, classifier: Classifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cluster, "TASK_ITEMS", 1)
    alone = scan([str(folder)], settings, secret=SECRET, classifier=classifier)
    c = start_cluster(tmp_path / "dask", nanny=False)
    try:
        findings: list[Finding] = []
        errors = []
        after_kill = 0
        victim = c.workers[0]
        for event in iter_scan([str(folder)], settings, secret=SECRET, cluster=c.address):
            if isinstance(event, Finding):
                findings.append(event)
                if victim.poll() is None:
                    victim.send_signal(signal.SIGKILL)
                    victim.wait(10)
                else:
                    after_kill += 1
            elif not hasattr(event, "done"):
                errors.append(event)
        assert victim.poll() is not None and after_kill > 0
        assert [f.to_dict() for f in findings] == [f.to_dict() for f in alone.findings]
        assert [e.to_dict() for e in errors] == [e.to_dict() for e in alone.errors]
    finally:
        c.stop()


def test_losing_the_scheduler_interrupts_the_scan(
    tmp_path: Path, folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "TASK_ITEMS", 1)
    monkeypatch.setattr(cluster, "LOST_AFTER_S", 3.0)
    c = start_cluster(tmp_path / "dask", workers=1, nanny=False)
    try:
        events = iter_scan([str(folder)], settings, secret=SECRET, cluster=c.address)
        started = time.monotonic()
        with pytest.raises(ScanInterrupted, match="lost the Dask scheduler"):
            for event in events:
                if isinstance(event, Finding) and c.scheduler.poll() is None:
                    c.scheduler.send_signal(signal.SIGKILL)
        assert time.monotonic() - started < 120
    finally:
        c.stop()


def test_an_unreachable_scheduler_exits_3_and_marks_the_run_interrupted(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 2)
    db = tmp_path / "inv.db"
    result = CliRunner().invoke(main, [
        "scan", str(folder), "--cluster", f"tcp://127.0.0.1:{_free_port()}", "--no-progress",
        "--format", "jsonl", "-o", str(tmp_path / "out.jsonl"), "--db", f"sqlite:///{db}"])
    assert result.exit_code == 3, result.output
    assert "scan interrupted" in result.output and "Traceback" not in result.output
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("select status from runs")] == ["interrupted"]


def test_a_bad_cluster_address_is_a_usage_error(folder: Path) -> None:
    result = CliRunner().invoke(main, ["scan", str(folder), "--cluster", "http://x:1"])
    assert result.exit_code == 2 and "--cluster" in result.output


# -- nothing in clear crosses the network or reaches a log -----------------------------------
def _record_payloads(monkeypatch: pytest.MonkeyPatch, into: list[bytes]) -> None:
    real = cluster.submit_task

    def recording(client: object, task: cluster.Task, run: str, index: int) -> object:
        into.append(pickle.dumps((task, run)))
        into.append(repr(task).encode())
        return real(client, task, run, index)

    monkeypatch.setattr(cluster, "submit_task", recording)


def test_no_clear_value_credential_or_secret_in_payloads_or_logs(
    dask_cluster: DaskCluster, folder: Path, tmp_path: Path, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    payloads: list[bytes] = []
    _record_payloads(monkeypatch, payloads)
    db = tmp_path / "crm.db"
    build(sa.create_engine(f"sqlite:///{db}"))
    inventory_pw = "Inv3ntoryPW-zz9"
    s = settings.with_overrides(**{"inventory.url": f"postgresql://u:{inventory_pw}@h/db"})
    result = scan([str(folder), f"sqlite:///{db}"], s, secret=SECRET,
                  cluster=dask_cluster.address)
    assert len(result.findings) > 20 and payloads
    # Secret-looking strings of the other tests that used this cluster too.
    forbidden = [*PLANTED, "scan.owner@example.org", SECRET_KEY, inventory_pw,
                 SECRET.hex(), SECRET.decode()]
    pg = _pg_env().get("PGPASSWORD")
    if pg:
        forbidden.append(pg)
    blob = b"\n".join(payloads)
    for value in forbidden:
        assert value.encode() not in blob, f"{value!r} in a task payload"
    logs = dask_cluster.log_text()
    assert "Register worker" in logs or "Starting worker" in logs  # the logs are the real ones
    for value in forbidden:
        assert value not in logs, f"{value!r} in the scheduler's or a worker's log"
