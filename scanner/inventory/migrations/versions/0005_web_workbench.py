"""The workbench's tables: users, audit_log, ropa (see scanner/inventory/web_schema.py).

Revision ID: 0005_web
Revises: 0004_nightly
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_web"
down_revision = "0004_nightly"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("remote", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_table(
        "ropa",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("scope_key", sa.Text, nullable=False),
        sa.Column("purposes", sa.Text, nullable=False, server_default=""),
        sa.Column("data_subjects", sa.Text, nullable=False, server_default=""),
        sa.Column("recipients", sa.Text, nullable=False, server_default=""),
        sa.Column("transfers", sa.Text, nullable=False, server_default=""),
        sa.Column("retention", sa.Text, nullable=False, server_default=""),
        sa.Column("security", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("scope", "scope_key", name="uq_ropa_scope"),
    )


def downgrade() -> None:
    op.drop_table("ropa")
    op.drop_index("ix_audit_log_action", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("users")
