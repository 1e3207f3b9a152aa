"""Sign in and out. Failed sign-ins are rate-limited (see :func:`.security.limit_login`), locked
per user name after repeated failures, and audited (who, when, from where; never the password)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from scanner.web.accounts import authenticate, recent_failures, record, users
from scanner.web.forms import ActionForm, LoginForm
from scanner.web.security import WebUser, inventory, remote

bp = Blueprint("auth", __name__)

LOCK_AFTER = 10  # failures per user name within LOCK_MINUTES lock it for that long
LOCK_MINUTES = 15


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        inv = inventory()
        name = form.name.data.strip()[:64]
        since = (datetime.now(UTC) - timedelta(minutes=LOCK_MINUTES)).isoformat(
            timespec="seconds")
        if recent_failures(inv, name, since) >= LOCK_AFTER:
            record(inv, name, "login-locked", f"user={name}", remote())
            flash(f"Too many failed sign-ins for this user: try again in {LOCK_MINUTES} minutes.")
            return render_template("login.html", form=form), 429
        account = authenticate(inv, name, form.password.data)
        if account is None:
            # An unknown name may be a password typed in the wrong box: it is not recorded.
            known = any(u.name == name for u in users(inv))
            who = name if known else "(unknown user)"
            record(inv, who, "login-failed", f"user={who}", remote())
            flash("Unknown user or wrong password.")
            return render_template("login.html", form=form), 401
        session.clear()
        login_user(WebUser(account))
        session.permanent = True  # expires PERMANENT_SESSION_LIFETIME after the last request
        record(inv, account.name, "login", f"role={account.role}", remote())
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if request.method == "POST" else 200
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if ActionForm().validate_on_submit():
        record(inventory(), current_user.name, "logout", "", remote())
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"))
