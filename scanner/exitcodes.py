"""Exit status of ``piiscout scan``, and the exceptions that carry one.

====  ==========================================================================================
code  meaning
====  ==========================================================================================
0     the scan completed (items that could not be read inside a readable target are listed as
      errors against their location, and do not change the code)
1     ``--fail-on SEVERITY`` met by a finding that is ``open`` or ``confirmed`` (accepted,
      false-positive, remediated and resolved findings do not count); stderr says which
2     usage or configuration error: bad option, unknown config key, YAML syntax error, an
      output folder that does not exist, an unusable ``--db`` URL, ``PIISCOUT_HOME`` that is not
      a folder, a target of an unknown scheme (no traceback, one line on stderr)
3     a target could not be read at all (unreachable server, no credentials, missing database or
      file, ...) or the scan was interrupted (Ctrl-C, SIGTERM, a lost scheduler)
====  ==========================================================================================

When a target is unreadable and ``--fail-on`` is met too, the code is 3 (the scan is incomplete)
and both are reported on stderr.

The exceptions are :class:`click.ClickException` subclasses, so a click command that lets one
escape prints ``Error: <message>`` and exits with the code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import click

from scanner.models import ScanError

OK = 0
FINDINGS = 1
USAGE = 2
INCOMPLETE = 3

# Error kinds that, at a target's root, mean the target could not be read at all.
FATAL_KINDS = frozenset({"unreadable", "walk_failed", "unsupported", "timeout"})


class ConfigError(click.ClickException):
    """A usage or configuration error (exit 2): the message says what to fix."""

    exit_code = USAGE


class TargetUnreadable(click.ClickException):
    """One or more targets could not be read at all (exit 3)."""

    exit_code = INCOMPLETE

    def __init__(self, message: str, targets: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.targets = tuple(targets)


class ScanInterrupted(click.ClickException):
    """The scan was interrupted before it completed: Ctrl-C, SIGTERM, a lost scheduler (exit 3)."""

    exit_code = INCOMPLETE

    def __init__(self, message: str = "the scan was interrupted") -> None:
        super().__init__(message)


def target_roots(target: str) -> set[str]:
    """The locations at which each connector reports a failure of the whole ``target``."""
    from scanner.targets import display_target

    roots = {display_target(target)}
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    try:
        if scheme in ("", "file"):
            from connectors.files import file_uri

            path = Path(target.removeprefix("file://")).expanduser()
            roots |= {str(path), file_uri(path)}
        elif scheme == "s3":
            from connectors.s3 import object_uri, parse_s3_url

            roots.add(object_uri(*parse_s3_url(target)))
        elif scheme == "smb":
            from connectors.smb import public_uri

            roots.add(public_uri(target))
        elif scheme in ("mbox", "maildir", "pst", "eml", "msg"):
            from connectors.mail.uris import scheme_uri

            roots.add(scheme_uri(scheme, Path(target.partition("://")[2] or ".").expanduser()))
        else:
            from sqlalchemy.engine import make_url

            from connectors.database import base_uri

            roots.add(base_uri(make_url(target)))
    except Exception:
        pass
    return roots


def unreadable_targets(
    targets: Iterable[str], errors: Iterable[ScanError]
) -> list[tuple[str, ScanError]]:
    """Targets (in display form) with a fatal error recorded at their root, and that error."""
    from scanner.targets import display_target

    fatal: dict[str, ScanError] = {}
    for e in errors:
        if e.kind in FATAL_KINDS:
            fatal.setdefault(e.location, e)
    out = []
    for t in targets:
        hit = next((fatal[r] for r in sorted(target_roots(t)) if r in fatal), None)
        if hit is not None:
            out.append((display_target(t), hit))
    return out
