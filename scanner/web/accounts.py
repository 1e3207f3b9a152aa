"""Workbench users, roles and the audit log, on the inventory database (no Flask needed here).

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``); nothing else ever sees
them. The audit log is written here and to the ``piiscout.audit`` logger: who, when, which
action, and a detail that never holds a looked-up value or a password.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from scanner.inventory.store import Inventory, InventoryError
from scanner.inventory.web_schema import ROLES, AuditEntry, User

audit_log = logging.getLogger("piiscout.audit")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verifying against this keeps an unknown user name as slow as a wrong password.
_DUMMY = _hasher.hash("piiscout-no-such-user")

RANK = {role: i for i, role in enumerate(ROLES)}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str
    created_at: str
    session_epoch: int

    def can(self, role: str) -> bool:
        """True when this account has ``role`` or a higher one (viewer < reviewer < admin)."""
        return RANK[self.role] >= RANK[role]


def _account(u: User) -> Account:
    return Account(u.id, u.name, u.role, u.created_at, u.session_epoch)


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise InventoryError(
            "a user name is 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter "
            "or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InventoryError(f"a password has at least {MIN_PASSWORD} characters")
    return password


def add_user(inv: Inventory, name: str, role: str, password: str, *, actor: str) -> Account:
    check_name(name)
    if role not in ROLES:
        raise InventoryError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    digest = _hasher.hash(check_password(password))
    try:
        with inv.write.begin() as s:
            user = User(name=name, role=role, password_hash=digest, created_at=_now(),
                        session_epoch=0)
            s.add(user)
            s.flush()
            account = _account(user)
    except IntegrityError:
        raise InventoryError(f"a user named {name!r} already exists") from None
    record(inv, actor, "user-add", f"user={name} role={role}")
    return account


def set_password(inv: Inventory, name: str, password: str, *, actor: str) -> None:
    digest = _hasher.hash(check_password(password))
    with inv.write.begin() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise InventoryError(f"no user named {name!r}")
        user.password_hash = digest
        user.session_epoch += 1
    record(inv, actor, "user-password", f"user={name}")


def remove_user(inv: Inventory, name: str, *, actor: str) -> None:
    with inv.write.begin() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise InventoryError(f"no user named {name!r}")
        s.delete(user)
    record(inv, actor, "user-remove", f"user={name}")


def users(inv: Inventory) -> list[Account]:
    with inv.session() as s:
        return [_account(u) for u in s.scalars(select(User).order_by(User.name))]


def user_count(inv: Inventory) -> int:
    with inv.session() as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def get_user(inv: Inventory, user_id: int) -> Account | None:
    with inv.session() as s:
        u = s.get(User, user_id)
        return _account(u) if u is not None else None


def authenticate(inv: Inventory, name: str, password: str) -> Account | None:
    """The account when ``password`` is right, else ``None`` (same cost either way)."""
    with inv.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        digest = user.password_hash if user is not None else _DUMMY
        try:
            _hasher.verify(digest, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        account = _account(user)
        rehash = _hasher.check_needs_rehash(digest)
    if rehash:
        with inv.write.begin() as s:
            u = s.get(User, account.id)
            if u is not None:
                u.password_hash = _hasher.hash(password)
    return account


def record(inv: Inventory, actor: str, action: str, detail: str = "", remote: str = "") -> None:
    """One audit entry (and one line on the ``piiscout.audit`` logger)."""
    at = _now()
    with inv.write.begin() as s:
        s.add(AuditEntry(at=at, actor=actor[:64], action=action[:32], detail=detail[:2000],
                         remote=remote[:64]))
    audit_log.info("%s %s %s %s%s", at, actor, action, detail,
                   f" from {remote}" if remote else "")


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    detail: str
    remote: str


def audit_entries(inv: Inventory, *, action: str | None = None, limit: int = 500) -> list[AuditRow]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEntry.action == action)
    with inv.session() as s:
        return [AuditRow(a.id, a.at, a.actor, a.action, a.detail, a.remote) for a in s.scalars(q)]


def recent_failures(inv: Inventory, name: str, since: str) -> int:
    """Failed logins for ``name`` recorded since ``since`` (ISO time)."""
    with inv.session() as s:
        return s.scalar(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "login-failed", AuditEntry.detail == f"user={name}",
                AuditEntry.at >= since,
            )
        ) or 0
