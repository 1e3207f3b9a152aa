"""The Record of Processing pages: the list, one activity's form, CSV and XLSX exports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scanner.inventory.web_schema import ROPA_FIELDS, ROPA_SCOPES
from scanner.web.accounts import record
from scanner.web.forms import RopaForm
from scanner.web.pages import all_rows, mapper
from scanner.web.ropa import activities, get_entry, save_entry, to_csv, to_xlsx
from scanner.web.security import inventory, remote, role_required

bp = Blueprint("ropa", __name__)


@bp.route("/ropa")
@role_required("viewer")
def ropa():
    acts = activities(inventory(), mapper(), all_rows())
    return render_template("ropa.html", acts=acts, can_edit=current_user.can("reviewer"))


@bp.route("/ropa/edit", methods=["GET", "POST"])
@role_required("reviewer")
def edit():
    scope = request.values.get("scope", "")
    key = request.values.get("key", "")
    if scope not in ROPA_SCOPES or not key or len(key) > 2000:
        abort(400)
    form = RopaForm()
    if form.validate_on_submit():
        save_entry(inventory(), scope, key, {f: getattr(form, f).data for f in ROPA_FIELDS},
                   by=current_user.name)
        record(inventory(), current_user.name, "ropa-edit", f"{scope}={key}", remote())
        flash(f"Record of processing saved for {key}.")
        return redirect(url_for("ropa.ropa"))
    if request.method == "GET":
        for f, v in get_entry(inventory(), scope, key).items():
            getattr(form, f).data = v
    act = next((a for a in activities(inventory(), mapper(), all_rows())
                if a.scope == scope and a.key == key), None)
    return render_template("ropa_edit.html", form=form, scope=scope, key=key, act=act)


@bp.route("/ropa/export.<fmt>")
@role_required("viewer")
def export(fmt: str):
    acts = activities(inventory(), mapper(), all_rows())
    record(inventory(), current_user.name, "ropa-export", f"format={fmt}", remote())
    if fmt == "csv":
        return Response(to_csv(acts), mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": "attachment; filename=record-of-processing.csv"})
    if fmt == "xlsx":
        return Response(to_xlsx(acts), headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": "attachment; filename=record-of-processing.xlsx"})
    abort(404)
