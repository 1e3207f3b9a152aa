"""Subject access page: the value is posted (never in a URL), looked up with
:func:`scanner.subject.lookup`, and the lookup audited by kind, never by value."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from scanner.redact import SECRET_FILE, load_or_create_secret
from scanner.subject import lookup
from scanner.web.accounts import record
from scanner.web.forms import SubjectForm
from scanner.web.security import inventory, remote, role_required

bp = Blueprint("subject", __name__)


@bp.route("/subject", methods=["GET", "POST"])
@role_required("reviewer")
def subject():
    form = SubjectForm()
    result = None
    error = ""
    if form.validate_on_submit():
        data_dir = current_app.config["DATA_DIR"]
        if not (data_dir / SECRET_FILE).exists():
            error = "This installation has no key yet: nothing was scanned with it."
        else:
            value = form.value.data
            form.value.data = ""  # never rendered back into the page
            result = lookup(
                inventory(), load_or_create_secret(data_dir), value,
                kind=form.kind.data or None, include_resolved=form.include_resolved.data,
                live=form.live.data, source_dbs=current_app.config["SOURCE_DBS"],
                settings=current_app.config["SETTINGS"],
            )
            del value
            record(inventory(), current_user.name, "subject-lookup",
                   f"kind={result.kind} locations={result.total} via=web", remote())
    return render_template("subject.html", form=form, result=result, error=error)
