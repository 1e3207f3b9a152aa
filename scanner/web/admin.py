"""Users and the audit log (admins only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scanner.inventory.store import InventoryError
from scanner.web.accounts import add_user, audit_entries, remove_user, users
from scanner.web.forms import ActionForm, UserForm
from scanner.web.security import inventory, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users_page():
    form = UserForm()
    if form.validate_on_submit():
        try:
            add_user(inventory(), form.name.data.strip(), form.role.data, form.password.data,
                     actor=current_user.name)
            flash(f"User {form.name.data.strip()} added.")
            return redirect(url_for("admin.users_page"))
        except InventoryError as exc:
            flash(str(exc.message))
    form.password.data = ""
    return render_template("users.html", form=form, users=users(inventory()),
                           action=ActionForm())


@bp.route("/users/<name>/remove", methods=["POST"])
@role_required("admin")
def remove(name: str):
    if ActionForm().validate_on_submit():
        if name == current_user.name:
            flash("You cannot remove yourself.")
        else:
            try:
                remove_user(inventory(), name, actor=current_user.name)
                flash(f"User {name} removed.")
            except InventoryError as exc:
                flash(str(exc.message))
    return redirect(url_for("admin.users_page"))


@bp.route("/audit")
@role_required("admin")
def audit():
    action = request.args.get("action") or None
    return render_template("audit.html", entries=audit_entries(inventory(), action=action),
                           action=action or "")
