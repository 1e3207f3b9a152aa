"""Run history: which findings a completed run resolved, and what changed between two runs.

*Resolved*: when a run completes, every current finding whose location lies under one of the
run's targets, that the run did not see (nor carry over as unchanged, :meth:`RunRecorder.touch`),
gets ``resolved_run_id`` = that run — unless the run recorded an error at that location or at a
container or folder holding it (then the location was not scanned completely). Nothing is deleted
and the review status is kept; a resolved finding seen again is current again.

*Diffs* compare two runs' sightings (the findings each run saw or carried over):
``new`` — in the later run only; ``resolved`` — in the earlier run only, and not hidden by an
error of the later run; ``changed`` — in both, with another count, severity or linkage.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scanner.inventory.recording import affected, chunks
from scanner.inventory.rows import RunRow
from scanner.inventory.schema import ErrorRow, FindingAgg, LocationRow, Run, Sighting
from scanner.inventory.sources import target_uri, under


def _protected(uri: str, error_locations: Sequence[str]) -> bool:
    return any(under(uri, e) for e in error_locations)


def resolve(s: Session, run_id: int, targets: Sequence[str], error_locations: Sequence[str]
            ) -> int:
    """Resolve what run ``run_id`` (completing now) no longer saw; returns how many."""
    prefixes = [target_uri(t) for t in targets]
    if not prefixes:
        return 0
    stale = (FindingAgg.resolved_run_id.is_(None)) & (FindingAgg.last_run_id != run_id)
    candidates = s.execute(
        select(LocationRow.id, LocationRow.uri)
        .where(LocationRow.id.in_(select(FindingAgg.location_id).where(stale)))
    ).all()
    errors = list(dict.fromkeys(error_locations))
    gone = [lid for lid, uri in candidates
            if any(under(uri, p) for p in prefixes) and not _protected(uri, errors)]
    resolved = 0
    for part in chunks(gone):
        resolved += affected(s.execute(
            update(FindingAgg).where(stale, FindingAgg.location_id.in_(part))
            .values(resolved_run_id=run_id)
        ))
    return resolved


@dataclass
class Diff:
    """Finding ids of a diff; ``changed`` maps an id to its (before, after) sightings."""

    from_run: int
    to_run: int
    new: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    changed: dict[int, dict[str, list[object]]] = field(default_factory=dict)


def default_pair(runs: Sequence[RunRow], from_run: int | None, to_run: int | None
                 ) -> tuple[int, int] | str:
    """The two runs to compare (the last two completed runs over the same targets by default),
    or a message saying why there are none."""
    completed = [r for r in runs if r.status == "completed"]
    by_id = {r.id: r for r in runs}
    for given in (from_run, to_run):
        if given is not None and given not in by_id:
            return f"no run {given}; see `piiscout inventory runs`"
    if to_run is None and from_run is None:  # the latest completed run that has a predecessor
        for later in reversed(completed):
            same = [r for r in completed if r.id < later.id
                    and sorted(r.targets) == sorted(later.targets)]
            if same:
                return same[-1].id, later.id
        return ("no two completed runs over the same targets to compare; "
                "see `piiscout inventory runs`")
    if to_run is None:
        same_targets = sorted(by_id[from_run].targets)  # type: ignore[index]
        pool = [r for r in completed if r.id > from_run  # type: ignore[operator]
                and sorted(r.targets) == same_targets]
        if not pool:
            return f"no completed run after run {from_run} over the same targets; give --to RUN"
        to_run = pool[-1].id
    if from_run is None:
        same_targets = sorted(by_id[to_run].targets)
        earlier = [r for r in completed if r.id < to_run and sorted(r.targets) == same_targets]
        if not earlier:
            return (f"run {to_run} has no earlier completed run over the same targets; "
                    "give --from RUN")
        from_run = earlier[-1].id
    return from_run, to_run


def diff(s: Session, from_run: int, to_run: int) -> Diff:
    def seen(run_id: int) -> dict[int, tuple[int, str, bool | None]]:
        return {fid: (count, severity, linked) for fid, count, severity, linked in s.execute(
            select(Sighting.finding_id, Sighting.count, Sighting.severity, Sighting.linked)
            .where(Sighting.run_id == run_id))}

    before, after = seen(from_run), seen(to_run)
    run = s.get_one(Run, to_run)
    errors = list(s.scalars(select(ErrorRow.location).where(ErrorRow.run_id == to_run)))
    out = Diff(from_run, to_run, new=sorted(set(after) - set(before)))
    missing = sorted(set(before) - set(after))
    if missing:
        prefixes = [target_uri(t) for t in json.loads(run.targets)]
        uris: dict[int, str] = {}
        for part in chunks(missing):
            uris.update((fid, uri) for fid, uri in s.execute(
                select(FindingAgg.id, LocationRow.uri)
                .join(LocationRow, FindingAgg.location_id == LocationRow.id)
                .where(FindingAgg.id.in_(part))))
        out.resolved = [fid for fid in missing
                        if any(under(uris[fid], p) for p in prefixes)
                        and not _protected(uris[fid], errors)]
    names = ("count", "severity", "linked")
    for fid in sorted(set(before) & set(after)):
        changes: dict[str, list[object]] = {
            n: [a, b] for n, a, b in zip(names, before[fid], after[fid], strict=True) if a != b}
        if changes:
            out.changed[fid] = changes
    return out
