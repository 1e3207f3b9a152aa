"""Three indexes of ``findings`` that no query needs, dropped: each one was written on every
recorded finding.

* ``ix_findings_location_id``: the unique identity (location_id, field, entity, value_hash)
  starts with ``location_id`` and serves every lookup by location (and the foreign key);
* ``ix_findings_status``: the readers filter ``status != 'false-positive'`` (most rows) or list
  one status over the whole inventory, joined and sorted by location: a scan either way;
* ``ix_findings_resolved_run_id``: read only as ``resolved_run_id IS NULL`` (the current findings,
  most rows).

``ix_findings_value_hash`` (the whole 64-character hash, written at a random place for every
finding) becomes ``ix_findings_hash_prefix``, on its first 16 characters: ``piiscout subject``
looks a person's values up by it across the whole inventory, then compares the whole hash.

Kept: the identity and ``ix_findings_last_run_id`` (a run's findings: its count, the SARIF
baseline, ``--fail-on``).

Revision ID: 0007_findings_ix
Revises: 0006_web2
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_findings_ix"
down_revision = "0006_web2"
branch_labels = None
depends_on = None

DROPPED = (
    ("ix_findings_location_id", ["location_id"]),
    ("ix_findings_status", ["status"]),
    ("ix_findings_resolved_run_id", ["resolved_run_id"]),
)


PREFIX = "ix_findings_hash_prefix"


def _mysql() -> bool:
    """MariaDB/MySQL (not an inventory piiscout opens, but the migrations run there): its unique
    identity over TEXT columns is a hash, which the location foreign key cannot use, so the
    location index stays; there is no expression index, the prefix is a column prefix."""
    return op.get_bind().dialect.name in ("mysql", "mariadb")


def _dropped() -> list[tuple[str, list[str]]]:
    return [(n, c) for n, c in DROPPED if not (_mysql() and n == "ix_findings_location_id")]


def upgrade() -> None:
    # Plain DROP/CREATE INDEX (no batch table rebuild on SQLite: the review triggers stay).
    for name, _ in _dropped():
        op.drop_index(name, table_name="findings")
    op.drop_index("ix_findings_value_hash", table_name="findings")
    if _mysql():
        op.create_index(PREFIX, "findings", ["value_hash"], mysql_length={"value_hash": 16})
    else:
        op.create_index(PREFIX, "findings", [sa.text("substr(value_hash, 1, 16)")])


def downgrade() -> None:
    op.drop_index(PREFIX, table_name="findings")
    op.create_index("ix_findings_value_hash", "findings", ["value_hash"])
    for name, columns in _dropped():
        op.create_index(name, "findings", columns)
