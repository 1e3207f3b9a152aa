"""Crash-safe, resolvable runs: who records a run (pid, host), resolved findings, per-run
sightings (the history diffs are computed from), the item a location lies in.

Revision ID: 0003_inv
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_inv"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): SQLite supports it, and the review triggers stay.
    op.add_column("runs", sa.Column("pid", sa.Integer, nullable=True))
    op.add_column("runs", sa.Column("host", sa.String(255), nullable=True))
    op.add_column("findings", sa.Column("resolved_run_id", sa.Integer, nullable=True))
    op.create_index("ix_findings_resolved_run_id", "findings", ["resolved_run_id"])
    op.add_column("locations", sa.Column("item_key", sa.String(64), nullable=True))
    op.create_index("ix_locations_item_key", "locations", ["item_key"])
    op.create_table(
        "sightings",
        sa.Column("run_id", sa.Integer, primary_key=True),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("linked", sa.Boolean, nullable=True),
    )
    op.create_index("ix_sightings_finding_id", "sightings", ["finding_id"])
    # Existing locations: their item, computed where it is cheap (below: in Python, once).
    bind = op.get_bind()
    import hashlib

    loc = sa.table("locations", sa.column("id", sa.Integer), sa.column("uri", sa.Text),
                   sa.column("item_key", sa.String))
    rows = bind.execute(sa.select(loc.c.id, loc.c.uri)).all()
    for lid, uri in rows:
        item = uri.split("!", 1)[0].split("#", 1)[0]
        key = hashlib.sha256(item.encode("utf-8", "surrogatepass")).hexdigest()
        bind.execute(loc.update().where(loc.c.id == lid).values(item_key=key))
    # Runs recorded before this revision that never finished were interrupted.
    op.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")


def downgrade() -> None:
    op.drop_index("ix_sightings_finding_id", "sightings")
    op.drop_table("sightings")
    op.drop_index("ix_locations_item_key", "locations")
    op.drop_index("ix_findings_resolved_run_id", "findings")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("resolved_run_id")
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("item_key")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("host")
        batch.drop_column("pid")
