"""Item versions for incremental scans: per item uri, the version last read completely.

Revision ID: 0004_nightly
Revises: 0003_inv
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_nightly"
down_revision = "0003_inv"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uri_key", sa.String(64), nullable=False, unique=True),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("seen_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("item_versions")
