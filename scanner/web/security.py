"""Sessions, roles, CSRF, rate limits and response headers of the workbench."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_wtf.csrf import CSRFProtect

from scanner.inventory.store import Inventory
from scanner.web.accounts import Account, get_user

csrf = CSRFProtect()
login_manager = LoginManager()


class WebUser(UserMixin):
    def __init__(self, account: Account) -> None:
        self.account = account
        self.name = account.name
        self.role = account.role

    def get_id(self) -> str:
        # The epoch changes with the password (or removal): old sessions stop loading.
        return f"{self.account.id}:{self.account.session_epoch}"

    def can(self, role: str) -> bool:
        return self.account.can(role)


def inventory() -> Inventory:
    return current_app.config["INVENTORY"]


def remote() -> str:
    return request.remote_addr or ""


@login_manager.user_loader
def _load(user_id: str) -> WebUser | None:
    uid, _, epoch = user_id.partition(":")
    if not uid.isdigit() or not epoch.isdigit():
        return None
    account = get_user(inventory(), int(uid))
    if account is None or account.session_epoch != int(epoch):
        return None
    return WebUser(account)


def role_required(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Login required, and ``role`` or a higher one (403 otherwise)."""

    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return deco


def init_security(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to use the workbench."
    login_manager.session_protection = "strong"

    @app.after_request
    def _headers(resp: Any) -> Any:
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        # Pages hold masked previews and hashes: keep them out of shared caches and history.
        resp.headers["Cache-Control"] = "no-store"
        return resp


def limit_login(app: Flask) -> None:
    """Failed sign-ins (not successful ones) rate-limited per client address (Flask-Limiter,
    one limiter per application so that its counters are the application's own)."""
    limiter = Limiter(get_remote_address, app=app, default_limits=[], storage_uri="memory://",
                      headers_enabled=True)
    app.extensions["piiscout_limiter"] = limiter
    view = app.view_functions["auth.login"]
    limited: Any = limiter.limit(
        app.config["LOGIN_LIMIT"], methods=["POST"],
        deduct_when=lambda resp: resp.status_code != 302,
    )(view)
    app.view_functions["auth.login"] = limited
