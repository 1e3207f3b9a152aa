"""Policy packs: which are active (chosen, not all), import a policy text as a draft pack,
review the draft's YAML and save (and activate) it. Changing packs is for admins."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scanner.policy import (
    PolicyError,
    available_packs,
    imported_packs,
    load_pack,
    save_imported_pack,
    select_packs,
)
from scanner.web.accounts import record
from scanner.web.forms import DraftForm, ImportForm, PackSelectForm
from scanner.web.pages import active_pack_ids
from scanner.web.security import inventory, remote, role_required

bp = Blueprint("packs", __name__)


def _listing() -> list[dict[str, object]]:
    active = set(active_pack_ids())
    shipped = set(available_packs())
    out = []
    for pid in sorted(shipped | set(imported_packs(current_app.config["DATA_DIR"]))):
        try:
            pack = load_pack(pid)
            title, clauses, source = pack.title, len(pack.clauses), pack.source
        except PolicyError as exc:
            title, clauses, source = f"invalid: {exc}", 0, ""
        out.append({"id": pid, "title": title, "clauses": clauses, "source": source,
                    "active": pid in active, "origin": "seed" if pid in shipped else "imported"})
    return out


@bp.route("/packs")
@role_required("viewer")
def packs():
    return render_template("packs.html", packs=_listing(), form=PackSelectForm(),
                           import_form=ImportForm(), is_admin=current_user.can("admin"),
                           fixed=bool(current_app.config["SETTINGS"].policies))


@bp.route("/packs/<pack_id>")
@role_required("viewer")
def pack(pack_id: str):
    try:
        p = load_pack(pack_id) if pack_id in set(available_packs()) | set(
            imported_packs(current_app.config["DATA_DIR"])) else None
    except PolicyError as exc:
        flash(str(exc))
        p = None
    if p is None:
        return redirect(url_for("packs.packs"))
    return render_template("pack.html", pack=p)


@bp.route("/packs/select", methods=["POST"])
@role_required("admin")
def select():
    if PackSelectForm().validate_on_submit():
        ids = request.form.getlist("pack")
        try:
            chosen = select_packs(ids, current_app.config["DATA_DIR"])
        except PolicyError as exc:
            flash(str(exc))
        else:
            record(inventory(), current_user.name, "packs-select", " ".join(chosen), remote())
            flash("Active packs: " + ", ".join(chosen))
    return redirect(url_for("packs.packs"))


@bp.route("/packs/import", methods=["POST"])
@role_required("admin")
def import_text():
    from scanner.policy_import import draft_pack

    form = ImportForm()
    if not form.validate_on_submit():
        flash("Give a pack ID and a policy text.")
        return redirect(url_for("packs.packs"))
    text = form.text.data or ""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        text = upload.read().decode("utf-8", errors="replace")
    pid = form.pack_id.data.strip()
    try:
        import yaml

        data = draft_pack(text, pid, form.title.data or "",
                          upload.filename if upload is not None and upload.filename else "")
        draft = ("# DRAFT: check every clause, its quote and the suggested rules, then save.\n"
                 + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    except PolicyError as exc:
        flash(f"No draft: {exc}")
        return redirect(url_for("packs.packs"))
    return render_template("pack_draft.html", form=DraftForm(yaml_text=draft), pack_id=pid)


@bp.route("/packs/save", methods=["POST"])
@role_required("admin")
def save():
    form = DraftForm()
    if not form.validate_on_submit():
        flash("The draft was empty.")
        return redirect(url_for("packs.packs"))
    data_dir = current_app.config["DATA_DIR"]
    try:
        pack = save_imported_pack(form.yaml_text.data, data_dir)
        if form.activate.data:
            select_packs([*active_pack_ids(), pack.id], data_dir)
    except PolicyError as exc:
        flash(f"Not saved: {exc}")
        return render_template("pack_draft.html", form=form, pack_id=""), 400
    record(inventory(), current_user.name, "pack-import",
           f"pack={pack.id} active={bool(form.activate.data)}", remote())
    flash(f"Pack {pack.id} saved" + (" and active." if form.activate.data else "."))
    return redirect(url_for("packs.packs"))
