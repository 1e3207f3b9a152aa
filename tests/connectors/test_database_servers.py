"""Database connector against real servers on 127.0.0.1 (PostgreSQL 15, MariaDB), over TCP.

The servers are started by ``.ci/servers.sh`` (``.ci/servers.d/postgres.sh``, ``mariadb.sh``);
each test creates its own tables and reads them back through the connector.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from connectors.base import UnitSource, connector_for
from connectors.database import DatabaseConnector, error_kind
from scanner.models import Item, ItemError, ScanError
from scanner.settings import Settings
from tests.helpers.database import CATALOGUE, ODD, PEOPLE, SERVERS, build, drop
from tests.helpers.servers import require_server

pytestmark = pytest.mark.server

OURS = {PEOPLE, CATALOGUE, ODD}


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'same.db'}"
    engine = sa.create_engine(url)
    build(engine)
    engine.dispose()
    return url


def walk(url: str, settings: Settings) -> tuple[dict[str, UnitSource], list[Item], list[ScanError]]:
    """Our tables only: other tests may share the server's database."""
    sources: dict[str, UnitSource] = {}
    items: list[Item] = []
    errors: list[ScanError] = []
    for w in connector_for(url, settings).walk():
        if isinstance(w, ScanError):
            errors.append(w)
        elif isinstance(w, Item):
            items.append(w)
        elif isinstance(w, UnitSource):
            table = w.table  # type: ignore[attr-defined]
            if table in OURS:
                sources[table] = w
    return sources, items, errors


def cells(source: UnitSource) -> list[tuple[str | None, str | None, str]]:
    return [(u.record, u.location.field, u.text) for u in source.units()]


def test_tables_are_reflected_with_safe_uris(server_url: str) -> None:
    url = make_url(server_url)
    sources, items, errors = walk(server_url, Settings())
    assert errors == []
    assert set(sources) == OURS
    if url.get_backend_name() == "postgresql":
        prefix = f"postgresql://127.0.0.1:{url.port}/piiscout_test/public/"
    else:
        prefix = f"mysql://127.0.0.1:{url.port}/piiscout_test/"
    assert sources[PEOPLE].uri == prefix + "People%20Records"
    assert sources[ODD].uri == prefix + "Odd%20%22Quoted%22%20Table"
    ours = [i for i in items if i.uri.startswith(prefix + "People")]
    assert [i.uri.rsplit("/", 2)[1:] for i in ours] == [["Scan", f"row={n}"] for n in (1, 2, 3)]
    assert ours[0].open().read().startswith(b"Scanned form.")
    for uri in [s.uri for s in sources.values()] + [i.uri for i in items]:
        assert url.password not in uri and f"{url.username}@" not in uri


def test_same_cells_as_sqlite(server_url: str, sqlite_url: str) -> None:
    """Read whole (every table is under the sample size), rows in key order, same text."""
    server, _, _ = walk(server_url, Settings())
    local, _, _ = walk(sqlite_url, Settings())
    for table in sorted(OURS):
        assert cells(server[table]) == cells(local[table]), table
    assert len(cells(server[PEOPLE])) == 40 * 6 - 1


def test_server_side_sample_is_deterministic(server_url: str) -> None:
    settings = Settings().with_overrides(**{"database.sample_rows": 10})
    first = cells(walk(server_url, settings)[0][PEOPLE])
    second = cells(walk(server_url, settings)[0][PEOPLE])
    assert first == second
    rows = {r for r, _, _ in first}
    assert 1 <= len(rows) <= 10
    names = [t for _, f, t in first if f == "Full Name"]
    assert len(set(names)) == len(rows)


def test_sessions_are_read_only(server_url: str) -> None:
    conn = DatabaseConnector(server_url, Settings())
    with conn.engine.connect() as c, pytest.raises(sa.exc.DBAPIError) as info:
        c.execute(sa.text("DELETE FROM catalogue"))
    assert "read" in str(info.value.orig).lower() and "only" in str(info.value.orig).lower()
    conn.close()
    check = sa.create_engine(server_url)
    with check.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM catalogue")).scalar() == 30
    check.dispose()


def test_statement_timeout_is_set_and_enforced(server_url: str) -> None:
    settings = Settings().with_overrides(**{"database.statement_timeout_s": 1})
    conn = DatabaseConnector(server_url, settings)
    pg = make_url(server_url).get_backend_name() == "postgresql"
    with conn.engine.connect() as c:
        if pg:
            assert c.execute(sa.text("SHOW statement_timeout")).scalar() == "1s"
            slow = "SELECT pg_sleep(5)"
        else:
            assert float(c.execute(sa.text("SELECT @@max_statement_time")).scalar()) == 1.0
            slow = (
                "SELECT count(*) FROM seq_1_to_100000 a, seq_1_to_100000 b WHERE a.seq + b.seq = 7"
            )
        with pytest.raises(sa.exc.DBAPIError) as info:
            c.execute(sa.text(slow))
    assert error_kind(conn.scrub(info.value)) == "timeout"
    conn.close()


@pytest.fixture()
def pg_url() -> Iterator[str]:
    url = require_server(SERVERS["postgresql"])
    engine = sa.create_engine(url)
    build(engine)
    yield url
    drop(engine)
    engine.dispose()


def test_permission_denied_table_is_an_error_and_others_go_on(pg_url: str) -> None:
    """PostgreSQL only: the MariaDB test user's grant is database-wide."""
    server_url = pg_url
    url = make_url(server_url)
    owner = sa.create_engine(server_url)
    with owner.begin() as c:
        c.execute(sa.text(f"REVOKE SELECT ON catalogue FROM {url.username}"))
    try:
        sources, _, errors = walk(server_url, Settings())
        assert errors == []
        with pytest.raises(ItemError) as info:
            cells(sources[CATALOGUE])
        assert info.value.kind == "unreadable" and "permission denied" in info.value.message
        assert url.password not in info.value.message
        assert len(cells(sources[PEOPLE])) == 239
    finally:
        with owner.begin() as c:
            c.execute(sa.text(f"GRANT SELECT ON catalogue TO {url.username}"))
        owner.dispose()


def test_bad_password_error_names_no_credentials(server_url: str) -> None:
    url = make_url(server_url)
    wrong = url.set(password="Wr0ng-Pa55word")
    target = wrong.render_as_string(hide_password=False)
    _, _, errors = walk(target, Settings())
    assert len(errors) == 1 and errors[0].kind == "unreadable"
    text = f"{errors[0].location} {errors[0].message}"
    assert "Wr0ng-Pa55word" not in text and url.password not in text
    # the server names the user ("... for user 'piiscout'"): the connector masks it
    assert f"'{url.username}'" not in text and f'"{url.username}"' not in text
    assert "***" in errors[0].message
    assert "cannot connect" in errors[0].message
