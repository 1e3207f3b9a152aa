"""A new SQLite inventory made in one transaction from the schema the migrations end at, without
importing Alembic (with its templating and syntax-highlighting imports, a fifth of a second of
every first scan).

:data:`STATEMENTS` are the ``sqlite_master`` entries (tables, indexes, triggers, in creation
order) of an inventory migrated by Alembic to :data:`REVISION`: SQLite keeps the text of each
``CREATE`` statement, so replaying them makes the same schema. They are generated, not written:
``python -m scanner.inventory.sqlite_head`` prints this module's new text after a migration is
added, and tests/scanner/inventory/test_sqlite_head.py fails until it is pasted in (it compares
a new inventory made here with one Alembic migrates, entry by entry).

An inventory that already has a table, or a PostgreSQL one, is always migrated by Alembic.
"""

from __future__ import annotations

from sqlalchemy import Connection

REVISION = "0007_findings_ix"

STATEMENTS: tuple[str, ...] = (
    (
        'CREATE TABLE alembic_version (\n'
        '\tversion_num VARCHAR(32) NOT NULL, \n'
        '\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n'
        ')'
    ),
    (
        'CREATE TABLE runs (\n'
        '\tid INTEGER NOT NULL, \n'
        '\tscan_id VARCHAR(64) NOT NULL, \n'
        '\tstarted_at VARCHAR(40) NOT NULL, \n'
        '\tfinished_at VARCHAR(40) NOT NULL, \n'
        '\trecorded_at VARCHAR(40) NOT NULL, \n'
        '\tstatus VARCHAR(16) NOT NULL, \n'
        '\ttargets TEXT NOT NULL, \n'
        '\tpacks TEXT NOT NULL, \n'
        '\tscanned INTEGER NOT NULL, \n'
        '\tskipped INTEGER NOT NULL, \n'
        '\tfailed INTEGER NOT NULL, \n'
        '\tfindings INTEGER NOT NULL, pid INTEGER, host VARCHAR(255), \n'
        '\tPRIMARY KEY (id)\n'
        ')'
    ),
    'CREATE INDEX ix_runs_scan_id ON runs (scan_id)',
    (
        'CREATE TABLE sources (\n'
        '\tid INTEGER NOT NULL, \n'
        '\tkind VARCHAR(16) NOT NULL, \n'
        '\tname TEXT NOT NULL, \n'
        '\tname_key VARCHAR(64) NOT NULL, \n'
        '\tPRIMARY KEY (id), \n'
        '\tUNIQUE (name_key)\n'
        ')'
    ),
    (
        'CREATE TABLE locations (\n'
        '\tid INTEGER NOT NULL, \n'
        '\tsource_id INTEGER NOT NULL, \n'
        '\turi TEXT NOT NULL, \n'
        '\turi_key VARCHAR(64) NOT NULL, \n'
        '\tfirst_seen VARCHAR(40) NOT NULL, \n'
        '\tlast_seen VARCHAR(40) NOT NULL, \n'
        '\tlast_run_id INTEGER NOT NULL, item_key VARCHAR(64), \n'
        '\tPRIMARY KEY (id), \n'
        '\tFOREIGN KEY(source_id) REFERENCES sources (id), \n'
        '\tUNIQUE (uri_key), \n'
        '\tFOREIGN KEY(last_run_id) REFERENCES runs (id)\n'
        ')'
    ),
    'CREATE INDEX ix_locations_source_id ON locations (source_id)',
    (
        'CREATE TABLE findings (\n'
        '\tid INTEGER NOT NULL, \n'
        '\tlocation_id INTEGER NOT NULL, \n'
        '\tfield TEXT NOT NULL, \n'
        '\tentity VARCHAR(64) NOT NULL, \n'
        '\tcategory VARCHAR(128) NOT NULL, \n'
        '\tvalue_hash VARCHAR(64) NOT NULL, \n'
        '\tpreview TEXT NOT NULL, \n'
        '\tdetector VARCHAR(64) NOT NULL, \n'
        '\tseverity VARCHAR(8) NOT NULL, \n'
        '\tlinked BOOLEAN, \n'
        '\tsource_kind VARCHAR(16) NOT NULL, \n'
        '\tcount INTEGER NOT NULL, \n'
        '\tmax_score FLOAT NOT NULL, \n'
        '\tfirst_seen VARCHAR(40) NOT NULL, \n'
        '\tlast_seen VARCHAR(40) NOT NULL, \n'
        '\tfirst_run_id INTEGER NOT NULL, \n'
        '\tlast_run_id INTEGER NOT NULL, \n'
        '\tstatus VARCHAR(16) NOT NULL, resolved_run_id INTEGER, line INTEGER, explanation TEXT, \n'
        '\tPRIMARY KEY (id), \n'
        '\tCONSTRAINT uq_finding_identity UNIQUE (location_id, field, entity, value_hash), \n'
        '\tFOREIGN KEY(location_id) REFERENCES locations (id), \n'
        '\tFOREIGN KEY(first_run_id) REFERENCES runs (id), \n'
        '\tFOREIGN KEY(last_run_id) REFERENCES runs (id)\n'
        ')'
    ),
    'CREATE INDEX ix_findings_last_run_id ON findings (last_run_id)',
    (
        'CREATE TABLE finding_clauses (\n'
        '\tfinding_id INTEGER NOT NULL, \n'
        '\tclause VARCHAR(160) NOT NULL, \n'
        '\tPRIMARY KEY (finding_id, clause), \n'
        '\tFOREIGN KEY(finding_id) REFERENCES findings (id)\n'
        ')'
    ),
    (
        'CREATE TABLE errors (\n'
        '\tid INTEGER NOT NULL, \n'
        '\trun_id INTEGER NOT NULL, \n'
        '\tlocation TEXT NOT NULL, \n'
        '\tkind VARCHAR(32) NOT NULL, \n'
        '\tmessage TEXT NOT NULL, \n'
        '\tPRIMARY KEY (id), \n'
        '\tFOREIGN KEY(run_id) REFERENCES runs (id)\n'
        ')'
    ),
    'CREATE INDEX ix_errors_run_id ON errors (run_id)',
    (
        'CREATE TABLE reviews (\n'
        '\tid INTEGER NOT NULL, \n'
        '\tfinding_id INTEGER NOT NULL, \n'
        '\treviewer VARCHAR(128) NOT NULL, \n'
        '\tat VARCHAR(40) NOT NULL, \n'
        '\told_status VARCHAR(16) NOT NULL, \n'
        '\tnew_status VARCHAR(16) NOT NULL, \n'
        '\tnote TEXT NOT NULL, \n'
        '\tPRIMARY KEY (id), \n'
        '\tFOREIGN KEY(finding_id) REFERENCES findings (id)\n'
        ')'
    ),
    'CREATE INDEX ix_reviews_finding_id ON reviews (finding_id)',
    "CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END",
    "CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END",
    'CREATE INDEX ix_locations_item_key ON locations (item_key)',
    (
        'CREATE TABLE sightings (\n'
        '\trun_id INTEGER NOT NULL, \n'
        '\tfinding_id INTEGER NOT NULL, \n'
        '\tcount INTEGER NOT NULL, \n'
        '\tmax_score FLOAT NOT NULL, \n'
        '\tseverity VARCHAR(8) NOT NULL, \n'
        '\tlinked BOOLEAN, \n'
        '\tPRIMARY KEY (run_id, finding_id), \n'
        '\tFOREIGN KEY(finding_id) REFERENCES findings (id)\n'
        ')'
    ),
    'CREATE INDEX ix_sightings_finding_id ON sightings (finding_id)',
    (
        'CREATE TABLE item_versions (\n'
        '\tid INTEGER NOT NULL, \n'
        '\turi_key VARCHAR(64) NOT NULL, \n'
        '\turi TEXT NOT NULL, \n'
        '\tversion VARCHAR(64) NOT NULL, \n'
        '\trun_id INTEGER NOT NULL, \n'
        '\tseen_at VARCHAR(40) NOT NULL, \n'
        '\tPRIMARY KEY (id), \n'
        '\tUNIQUE (uri_key), \n'
        '\tFOREIGN KEY(run_id) REFERENCES runs (id)\n'
        ')'
    ),
    (
        'CREATE TABLE users (\n'
        '\tid INTEGER NOT NULL, \n'
        '\tname VARCHAR(64) NOT NULL, \n'
        '\trole VARCHAR(16) NOT NULL, \n'
        '\tpassword_hash VARCHAR(256) NOT NULL, \n'
        '\tcreated_at VARCHAR(40) NOT NULL, \n'
        "\tsession_epoch INTEGER DEFAULT '0' NOT NULL, \n"
        '\tPRIMARY KEY (id), \n'
        '\tUNIQUE (name)\n'
        ')'
    ),
    (
        'CREATE TABLE audit_log (\n'
        '\tid INTEGER NOT NULL, \n'
        '\tat VARCHAR(40) NOT NULL, \n'
        '\tactor VARCHAR(64) NOT NULL, \n'
        '\taction VARCHAR(32) NOT NULL, \n'
        "\tdetail TEXT DEFAULT '' NOT NULL, \n"
        "\tremote VARCHAR(64) DEFAULT '' NOT NULL, \n"
        '\tPRIMARY KEY (id)\n'
        ')'
    ),
    'CREATE INDEX ix_audit_log_action ON audit_log (action)',
    (
        'CREATE TABLE ropa (\n'
        '\tid INTEGER NOT NULL, \n'
        '\tscope VARCHAR(16) NOT NULL, \n'
        '\tscope_key TEXT NOT NULL, \n'
        "\tpurposes TEXT DEFAULT '' NOT NULL, \n"
        "\tdata_subjects TEXT DEFAULT '' NOT NULL, \n"
        "\trecipients TEXT DEFAULT '' NOT NULL, \n"
        "\ttransfers TEXT DEFAULT '' NOT NULL, \n"
        "\tretention TEXT DEFAULT '' NOT NULL, \n"
        "\tsecurity TEXT DEFAULT '' NOT NULL, \n"
        '\tupdated_at VARCHAR(40) NOT NULL, \n'
        '\tupdated_by VARCHAR(64) NOT NULL, \n'
        '\tPRIMARY KEY (id), \n'
        '\tCONSTRAINT uq_ropa_scope UNIQUE (scope, scope_key)\n'
        ')'
    ),
    'CREATE INDEX ix_findings_hash_prefix ON findings (substr(value_hash, 1, 16))',
)


def create(conn: Connection, head: str) -> bool:
    """Make the schema in ``conn``'s transaction if the database has none and the statements are
    of ``head``; return whether it did (if not, Alembic migrates)."""
    if head != REVISION or not STATEMENTS:
        return False
    if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar():
        return False
    for sql in STATEMENTS:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))
    return True


def migrated_entries(conn: Connection) -> list[tuple[str, str, str, str | None]]:
    """``sqlite_master`` of the database: (type, name, table, sql) in creation order."""
    return [tuple(r) for r in conn.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")]


def render() -> str:
    """This module's text with :data:`STATEMENTS` and :data:`REVISION` taken from a new inventory
    that Alembic migrates to the head (in a temporary directory)."""
    import tempfile
    from pathlib import Path

    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    (head,) = ScriptDirectory.from_config(cfg).get_heads()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'inventory.sqlite'}")
        try:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            with engine.connect() as conn:
                entries = migrated_entries(conn)
        finally:
            engine.dispose()
    body = "".join(_literal(sql) for _, _, _, sql in entries if sql)
    text = Path(__file__).read_text(encoding="utf-8")
    start = text.index("STATEMENTS: tuple[str, ...] = (\n") + len("STATEMENTS: tuple[str, ...] = (\n")
    end = text.index("\n)\n", start - 1)
    text = text[:start] + body.rstrip("\n") + text[end:]
    revision = text.index('REVISION = "')
    return text[:revision] + f'REVISION = "{head}"' + text[text.index("\n", revision):]


def _literal(sql: str) -> str:
    """One statement as a parenthesised run of string literals, a line of SQL each."""
    lines = sql.splitlines(keepends=True)
    if len(lines) == 1:
        return f"    {sql!r},\n"
    return "    (\n" + "".join(f"        {line!r}\n" for line in lines) + "    ),\n"


if __name__ == "__main__":
    print(render(), end="")
