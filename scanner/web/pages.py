"""Dashboard, inventory, findings (the review queue), a finding, a location, gaps and runs."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from scanner.inventory.store import FindingRow, InventoryError, RunRow
from scanner.inventory.views import GROUPINGS, clauses_of, gaps, group
from scanner.policy import PolicyError, PolicyMapper, load_packs, selected_packs
from scanner.web.accounts import record
from scanner.web.forms import ReviewForm
from scanner.web.review import decide
from scanner.web.security import inventory, remote, role_required

bp = Blueprint("pages", __name__)

SPECIAL = ("HEALTH", "GENETIC", "BIOMETRIC", "RELIGION", "TRADE_UNION", "ETHNIC_ORIGIN",
           "SEXUAL_ORIENTATION", "POLITICAL_OPINION", "PHILOSOPHICAL_BELIEF", "CRIMINAL_RECORD")
SEVERITIES = ("high", "medium", "low")
PAGE = 100
BULK_MAX = 5000


def active_pack_ids() -> tuple[str, ...]:
    settings = current_app.config["SETTINGS"]
    return tuple(settings.policies) or selected_packs(current_app.config["DATA_DIR"])


def mapper() -> PolicyMapper:
    try:
        return PolicyMapper(load_packs(active_pack_ids()))
    except PolicyError as exc:
        flash(f"Policy packs: {exc}")
        return PolicyMapper(load_packs(["gdpr"]))


def all_rows() -> list[FindingRow]:
    return inventory().findings(status="*")


def _resolved(r: FindingRow) -> bool:
    return r.status == "resolved" or bool(getattr(r, "resolved_run_id", None))


@bp.route("/")
@role_required("viewer")
def dashboard():
    rows = all_rows()
    m = mapper()
    live = [r for r in rows if r.status != "false-positive" and not _resolved(r)]
    by_sev = Counter(r.severity for r in live)
    open_by_sev = Counter(r.severity for r in live if r.status == "open")
    special = Counter(r.entity for r in live if r.entity in SPECIAL and r.linked is True)
    sources: dict[str, dict[str, Any]] = {}
    for r in live:
        s = sources.setdefault(r.source, {"findings": 0, "occurrences": 0, "locations": set(),
                                          "kind": r.source_kind})
        s["findings"] += 1
        s["occurrences"] += r.count
        s["locations"].add(r.uri)
    runs = inventory().runs()[-12:]
    peak = max((r.findings for r in runs), default=0) or 1
    uncovered = sum(1 for r in live if not clauses_of(r, m) and r.linked is not False)
    return render_template(
        "dashboard.html", by_sev=by_sev, open_by_sev=open_by_sev, special=special,
        sources=sorted(sources.items(), key=lambda kv: -kv[1]["findings"]), runs=runs,
        peak=peak, total=len(live), occurrences=sum(r.count for r in live),
        open_total=sum(open_by_sev.values()), packs=[p.id for p in m.packs],
        uncovered=uncovered, severities=SEVERITIES,
    )


@bp.route("/inventory")
@role_required("viewer")
def inventory_page():
    by = request.args.get("by", "clause")
    if by not in GROUPINGS:
        abort(400)
    m = mapper()
    rows = [r for r in all_rows() if r.status != "false-positive" and not _resolved(r)]
    groups = group(rows, m, by)
    return render_template("inventory.html", by=by, groups=groups, groupings=GROUPINGS,
                           packs=[p.id for p in m.packs])


def _filtered(args: Any, m: PolicyMapper) -> list[tuple[FindingRow, tuple[str, ...]]]:
    status = args.get("status", "open")
    rows = inventory().findings(
        status=None if status == "" else status,
        category=args.get("category") or None,
        source=args.get("source") or None,
    )
    run = args.get("new_in", "")
    new_ids = _new_in(int(run)) if run.isdigit() else None
    out = []
    for r in rows:
        if _resolved(r) and status not in ("*", "resolved"):
            continue
        cs = clauses_of(r, m)
        if (e := args.get("entity")) and r.entity != e:
            continue
        if (sev := args.get("severity")) and r.severity != sev:
            continue
        c = args.get("clause")
        if c == "(no clause)":
            if cs:
                continue
        elif c and not any(x == c or x.partition("/")[0] == c for x in cs):
            continue
        if (q := args.get("q")) and q.lower() not in r.uri.lower():
            continue
        if args.get("linked") == "1" and r.linked is not True:
            continue
        if args.get("special") == "1" and r.entity not in SPECIAL:
            continue
        if new_ids is not None and r.id not in new_ids:
            continue
        out.append((r, cs))
    return out


@bp.route("/findings")
@role_required("viewer")
def findings():
    m = mapper()
    args = request.args
    rows = _filtered(args, m)
    page = max(1, args.get("page", 1, type=int))
    shown = rows[(page - 1) * PAGE : page * PAGE]
    filters = {k: v for k, v in args.items() if k != "page" and v}
    entities = sorted({r.entity for r, _ in rows})
    return render_template(
        "findings.html", rows=shown, total=len(rows), page=page, pages=max(1, -(-len(rows) // PAGE)),
        filters=filters, query=urlencode(filters), form=ReviewForm(), entities=entities,
        severities=SEVERITIES, status=args.get("status", "open"),
        can_review=current_user.can("reviewer"),
    )


@bp.route("/findings/review", methods=["POST"])
@role_required("reviewer")
def review_bulk():
    form = ReviewForm()
    back = request.form.get("back", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = url_for("pages.findings")  # only a path on this server
    if not form.validate_on_submit():
        flash("The decision was not recorded: " + "; ".join(
            f"{k}: {', '.join(v)}" for k, v in form.errors.items()))
        return redirect(back)
    if request.form.get("all_matching") == "1":
        from urllib.parse import parse_qsl

        filters = dict(parse_qsl(request.form.get("filters", "")))
        ids = [r.id for r, _ in _filtered(filters, mapper())][:BULK_MAX]
    else:
        ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    if not ids:
        flash("Check at least one finding (or 'all matching the filters').")
        return redirect(back)
    try:
        entries = decide(inventory(), ids, form.status.data, reviewer=current_user.name,
                         note=form.note.data or "")
    except InventoryError as exc:
        flash(str(exc.message))
        return redirect(back)
    record(inventory(), current_user.name, "review",
           f"findings={len(entries)} status={form.status.data}", remote())
    flash(f"{len(entries)} findings set to {form.status.data}.")
    return redirect(back)


@bp.route("/findings/<int:finding_id>")
@role_required("viewer")
def finding(finding_id: int):
    rows = inventory().findings(ids=[finding_id], status="*", resolved=True)
    if not rows:
        abort(404)
    row = rows[0]
    m = mapper()
    clause_info = []
    for qid in clauses_of(row, m):
        info = m.clause_info(qid)
        clause_info.append((qid, info[1].title if info else ""))
    return render_template(
        "finding.html", row=row, clauses=clause_info, history=inventory().history(finding_id),
        form=ReviewForm(status=row.status), can_review=current_user.can("reviewer"),
        line=row.line, explanation=row.explanation or "",
    )


@bp.route("/location")
@role_required("viewer")
def location():
    uri = request.args.get("uri", "")
    if not uri:
        abort(400)
    from scanner.inventory.sources import scan_target

    m = mapper()
    rows = [(r, clauses_of(r, m)) for r in inventory().findings(source=uri, status="*")
            if r.uri == uri]
    return render_template("location.html", uri=uri, rows=rows, target=scan_target(uri),
                           form=ReviewForm(), can_review=current_user.can("reviewer"))


@bp.route("/gaps")
@role_required("viewer")
def gaps_page():
    m = mapper()
    rows = [r for r in all_rows() if r.status != "false-positive" and not _resolved(r)]
    g = gaps(rows, m)
    # A category no active pack covers is listed once, not again under each pack.
    uncovered = {x.category for x in g.uncovered}
    per_pack = [x for x in g.per_pack if x.category not in uncovered]
    return render_template("gaps.html", gaps=g, per_pack=per_pack, packs=[p.id for p in m.packs])


def _first_seen_in() -> dict[int, int]:
    """Run ID -> number of findings first recorded by that run."""
    from sqlalchemy import func, select

    from scanner.inventory.schema import FindingAgg

    with inventory().session() as s:
        q = select(FindingAgg.first_run_id, func.count()).group_by(FindingAgg.first_run_id)
        return {run_id: n for run_id, n in s.execute(q)}


def _new_in(run_id: int) -> set[int]:
    from sqlalchemy import select

    from scanner.inventory.schema import FindingAgg

    with inventory().session() as s:
        return set(s.scalars(select(FindingAgg.id).where(FindingAgg.first_run_id == run_id)))


@bp.route("/runs")
@role_required("viewer")
def runs():
    runs = inventory().runs()
    new = _first_seen_in()
    rows: list[tuple[RunRow, int | None, int]] = []  # run, change in findings, first seen
    prev = None
    for r in runs:
        rows.append((r, None if prev is None else r.findings - prev.findings, new.get(r.id, 0)))
        prev = r
    return render_template("runs.html", runs=list(reversed(rows)))


@bp.route("/about")
@role_required("viewer")
def about():
    return render_template("about.html", database=current_app.config["DATABASE_DISPLAY"])
