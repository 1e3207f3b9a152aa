"""Tables of the DPO's workbench (``piiscout serve``): users, the audit log of what they did and
the Record of Processing Activities. Same declarative ``Base`` as the inventory; created by the
``0005_web`` migration. Change them only together with a new migration.

No clear value is ever written here: a password is kept as its argon2 hash, and an audit entry
says what *kind* of value was looked up, never the value.
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scanner.inventory.schema import Base

ROLES = ("viewer", "reviewer", "admin")
ROPA_SCOPES = ("clause", "source")
# The fields of a record of processing that the DPO writes (GDPR Art. 30(1) (b) to (g)).
ROPA_FIELDS = ("purposes", "data_subjects", "recipients", "transfers", "retention", "security")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, PHC string
    created_at: Mapped[str] = mapped_column(String(40))
    # Bumped when the password changes or the user is removed: old sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Append-only: who did what, when (logins, failed logins, lookups, reviews, pack changes)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action", "action"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")  # never a looked-up value or password
    remote: Mapped[str] = mapped_column(String(64), default="")


class RopaEntry(Base):
    """One processing activity, recorded against a clause (``gdpr/art-6``) or a source."""

    __tablename__ = "ropa"
    __table_args__ = (UniqueConstraint("scope", "scope_key", name="uq_ropa_scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # clause | source
    scope_key: Mapped[str] = mapped_column(Text)
    purposes: Mapped[str] = mapped_column(Text, default="")
    data_subjects: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    transfers: Mapped[str] = mapped_column(Text, default="")
    retention: Mapped[str] = mapped_column(Text, default="")
    security: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(64))
