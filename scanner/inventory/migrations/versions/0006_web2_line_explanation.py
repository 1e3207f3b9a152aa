"""Findings keep the line and the explanation of their first occurrence in the last run that
saw them (both nullable: findings recorded before this revision have neither).

Revision ID: 0006_web2
Revises: 0005_web
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_web2"
down_revision = "0005_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("line", sa.Integer, nullable=True))
        batch.add_column(sa.Column("explanation", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("explanation")
        batch.drop_column("line")
