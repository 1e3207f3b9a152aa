"""The DPO's workbench: a Flask application over the inventory (``piiscout serve``).

Flask 3 with Flask-Login (sessions), Flask-WTF (a CSRF token in every form), Flask-Limiter (failed
logins) and argon2-cffi (passwords); server-rendered Jinja pages, no JavaScript build. Pages show
masked previews and keyed hashes only, like every other output of piiscout.

Blueprints: :mod:`.auth` (login), :mod:`.pages` (dashboard, inventory, findings and review, gaps,
runs), :mod:`.subject_views` (subject access), :mod:`.ropa_views` (Record of Processing),
:mod:`.packs` (policy packs), :mod:`.admin` (users, audit log).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from scanner.inventory.rows import DEFINITIONS as _DEFINITIONS
from scanner.inventory.store import Inventory, safe_url

# What the pages call a finding and an occurrence (also in README.md and the HTML report).
DEFINITIONS = _DEFINITIONS


def create_app(
    *,
    db_url: str | None,
    data_dir: Path,
    settings: Any = None,
    secure_cookies: bool = False,
    session_minutes: int = 30,
    source_dbs: Sequence[str] = (),
    testing: bool = False,
    login_limit: str = "5 per minute",
) -> Flask:
    """The workbench on the inventory at ``db_url`` (``None``: the SQLite file in data_dir)."""
    from scanner.settings import Settings

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # per server start: a restart signs everyone out
        SESSION_COOKIE_NAME="piiscout_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=session_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        TESTING=testing,
        INVENTORY=Inventory.open(db_url, data_dir),
        DATA_DIR=data_dir,
        SETTINGS=settings or Settings(),
        SOURCE_DBS=tuple(source_dbs),
        DATABASE_DISPLAY=safe_url(db_url) if db_url else str(data_dir / "inventory.sqlite"),
        LOGIN_LIMIT=login_limit,
    )
    from scanner.web import admin, auth, packs, pages, ropa_views, subject_views
    from scanner.web.security import init_security, limit_login

    init_security(app)
    for bp in (auth.bp, pages.bp, subject_views.bp, ropa_views.bp, packs.bp, admin.bp):
        app.register_blueprint(bp)
    limit_login(app)

    from werkzeug.exceptions import HTTPException

    messages = {
        400: "The request was refused (a form without its security token, or a bad value).",
        403: "Your role does not allow this.",
        404: "There is nothing here.",
        429: "Too many attempts: wait a minute and try again.",
    }

    @app.errorhandler(HTTPException)
    def _error(exc: HTTPException) -> tuple[str, int]:
        from flask import render_template

        code = exc.code or 500
        return render_template("error.html", code=code, title=exc.name,
                               message=messages.get(code, exc.description)), code

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"DEFINITIONS": DEFINITIONS}

    return app
