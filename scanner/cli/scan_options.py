"""The options of ``piiscout scan``, and how they, the config file and a profile become the
scan's settings, targets and report (checked before anything runs: a bad one is exit 2)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from connectors.base import DATABASE_SCHEMES, connector_for
from scanner.exitcodes import ConfigError
from scanner.models import Severity
from scanner.reports import FORMATS
from scanner.settings import (
    ConfigFileError,
    Profile,
    ScanOptions,
    Settings,
    load_settings,
    user_config_file,
)
from scanner.targets import display_target

F = TypeVar("F", bound=Callable[..., Any])

EXIT_HELP = """\b
Exit status:
  0  the scan completed (items that could not be read inside a readable target
     are listed as errors against their location)
  1  --fail-on met by a finding that is open or confirmed (accepted,
     false-positive, remediated and resolved ones do not count); stderr says which
  2  usage or configuration error (bad option or config key, YAML syntax error,
     missing output folder, unusable --db, unknown target scheme)
  3  a target could not be read at all (unreachable server, no credentials,
     missing database or file), or the scan was interrupted (Ctrl-C, SIGTERM)
"""


def _check_cluster(value: str | None) -> str | None:
    if value is None:
        return None
    # Only with --cluster: the cluster route loads the classifiers (every command would wait).
    from scanner.cluster import parse_address

    try:
        parse_address(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cluster") from None
    if importlib.util.find_spec("distributed") is None:
        raise click.BadParameter("needs the cluster extra: pip install 'piiscout[cluster]'",
                                 param_hint="--cluster")
    return value


_OPTIONS: tuple[Callable[[F], F], ...] = (
    click.argument("targets", nargs=-1, required=False),
    click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
                 help="Output format [default: table on a terminal, json otherwise when "
                      "--output]."),
    click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                 help="Write the report to FILE instead of standard output."),
    click.option("-c", "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="YAML config file (see config/defaults.yaml for the keys) [default: "
                      "config.yaml in the user config directory, when it exists]."),
    click.option("--profile", default=None,
                 help="Run the named scan from the config file's profiles: (targets, options, "
                      "policies, report, fail_on); options given here override it."),
    click.option("--full", is_flag=True,
                 help="Read every item again, also those unchanged since the last scan "
                      "[default with the inventory on: incremental]."),
    click.option("--no-ner", is_flag=True,
                 help="Patterns only: no spaCy named-entity recognition."),
    click.option("--no-ocr", is_flag=True, help="Do not OCR images and PDF pages without text."),
    click.option("--workers", type=click.IntRange(min=0), default=None,
                 help="Classification processes [default: number of cores; 1 = in-process]."),
    click.option("--include", multiple=True, help="Glob of paths to scan (repeatable)."),
    click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable)."),
    click.option("--max-item-size", type=click.IntRange(min=1), default=None,
                 help="Skip (and record) items larger than this many bytes."),
    click.option("--min-score", type=click.FloatRange(0, 1), default=None,
                 help="Drop detections scoring below this."),
    click.option("--sample-rows", type=click.IntRange(min=1), default=None,
                 help="Rows sampled per database table."),
    click.option("--endpoint-url", default=None, help="S3-compatible endpoint for s3:// targets."),
    click.option("--policy", "policies", multiple=True,
                 help="Policy pack id or YAML file to map findings to (repeatable)."),
    click.option("--db", "db_url", default=None,
                 help="Inventory database URL [default: SQLite]."),
    click.option("--no-inventory", is_flag=True, help="Do not record this scan in the inventory."),
    click.option("--fail-on", type=click.Choice([s.value for s in Severity]), default=None,
                 help="Exit 1 when an open or confirmed finding at or above this severity "
                      "exists."),
    click.option("--no-progress", is_flag=True, help="No progress bar."),
    click.option("--wide", is_flag=True, help="Table report: every column, nothing shortened."),
    click.option("--recognizers", type=click.Path(exists=True, dir_okay=False), default=None,
                 help="Custom recognizers in Presidio's YAML format (config "
                      "classify.recognizers)."),
    click.option("--allow-list", "allow_list", type=click.Path(exists=True, dir_okay=False),
                 default=None,
                 help="Values never reported, one a line (config classify.allow_list)."),
    click.option("-v", "--verbose", count=True, help="Log more (never values or credentials)."),
    click.option("--cluster", default=None, callback=lambda c, p, v: _check_cluster(v),
                 help="Run on a Dask cluster: tcp://HOST:PORT, tls://HOST:PORT or local:N "
                      "(docs/cluster.md)."),
)


def scan_options(command: F) -> F:
    """Add the options of ``piiscout scan`` to ``command`` (in ``--help`` in this order)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


@dataclass(frozen=True)
class ScanArgs:
    """The command line of ``piiscout scan`` as given (before the config and profile)."""

    targets: tuple[str, ...] = ()
    fmt: str | None = None
    output: Path | None = None
    config: Path | None = None
    profile: str | None = None
    full: bool = False
    no_ner: bool = False
    workers: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_item_size: int | None = None
    min_score: float | None = None
    sample_rows: int | None = None
    endpoint_url: str | None = None
    policies: tuple[str, ...] = ()
    db_url: str | None = None
    no_inventory: bool = False
    fail_on: str | None = None
    no_progress: bool = False
    verbose: int = 0
    wide: bool = False
    recognizers: str | None = None
    allow_list: str | None = None
    no_ocr: bool = False
    cluster: str | None = None


@dataclass(frozen=True)
class ScanPlan:
    """What the scan will do: options, config file and profile resolved and checked."""

    targets: list[str]
    settings: Settings
    fmt: str
    output: Path | None
    fail_on: str | None
    full: bool
    no_progress: bool


def resolve(args: ScanArgs) -> ScanPlan:
    """The scan's plan; a usage or configuration error raises (exit 2) before anything runs."""
    config = args.config
    if config is None and user_config_file().is_file():
        config = user_config_file()
    base = _settings(config)
    prof = _profile(base, args.profile, config)
    opts = prof.options if prof is not None else ScanOptions()
    checked = [_check_target(t) for t in args.targets]
    if not checked and prof is not None:
        checked = list(prof.targets)
    if not checked:
        raise click.UsageError("give at least one TARGET, or --profile NAME with targets")
    exclude = args.exclude
    settings = base.with_overrides(**{
        "classify.ner": False if (args.no_ner or opts.no_ner) else None,
        "classify.min_score": args.min_score if args.min_score is not None else opts.min_score,
        "workers": args.workers if args.workers is not None else opts.workers,
        "walk.include": args.include or opts.include or None,
        "walk.exclude": ((*base.walk.exclude, *(opts.exclude or ()), *exclude)
                         if exclude or opts.exclude else None),
        "limits.max_item_bytes": args.max_item_size or opts.max_item_size,
        "database.sample_rows": args.sample_rows or opts.sample_rows,
        "s3_endpoint_url": args.endpoint_url or opts.endpoint_url,
        "policies": args.policies or (prof.policies if prof is not None else None) or None,
        "inventory.url": args.db_url or opts.db,
        "inventory.enabled": False if (args.no_inventory or opts.no_inventory) else None,
        "classify.recognizers": (str(Path(args.recognizers).resolve()) if args.recognizers
                                 else None),
        "classify.allow_list": str(Path(args.allow_list).resolve()) if args.allow_list else None,
        "ocr.enabled": False if (args.no_ocr or opts.no_ocr) else None,
    })
    full = args.full or bool(opts.full)
    no_progress = args.no_progress or bool(opts.no_progress)
    output, fmt, fail_on = args.output, args.fmt, args.fail_on
    if prof is not None:
        output = output or prof.report.path
        fmt = fmt or prof.report.format
        fail_on = fail_on or prof.fail_on
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(f"unknown report format '{fmt}' in profile '{args.profile}' of "
                          f"{config}; use one of {', '.join(sorted(FORMATS))}")
    for t in checked:
        _check_scheme(t, settings)
    if output is not None:
        _check_output(output)
    fmt = fmt or ("table" if output is None else _format_from_name(output))
    return ScanPlan(checked, settings, fmt, output, fail_on, full, no_progress)


def _settings(config: Path | None, **overrides: object) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigFileError as exc:
        raise ConfigError(str(exc)) from None
    return settings.with_overrides(**overrides)


def _check_target(target: str) -> str:
    if "://" in target:
        return target
    if not Path(target).exists() and not Path(target).is_symlink():
        raise click.BadParameter(f"'{target}' does not exist", param_hint="TARGET")
    return target


def _check_scheme(target: str, settings: Settings) -> None:
    """A target no connector takes, or a URL that cannot be parsed, is a usage error."""
    try:
        connector = connector_for(target, settings)
    except Exception as exc:
        scheme = target.split("://", 1)[0].lower() if "://" in target else ""
        if scheme.split("+", 1)[0] in DATABASE_SCHEMES:
            # The parser's message may quote part of a password: never show it.
            reason = ("not a valid database URL (check the port; percent-encode special "
                      "characters in the password)")
        else:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"target {display_target(target)}: {reason}") from None
    connector.close()


def check_data_dir(data_dir: Path) -> None:
    probe = data_dir
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ConfigError(
            f"the data directory {data_dir} cannot be used: {probe} is not a folder "
            "(set PIISCOUT_HOME to a folder)"
        )


def _check_output(output: Path) -> None:
    parent = output.absolute().parent
    if not parent.is_dir():
        raise ConfigError(f"cannot write the report to {output}: folder {parent} does not exist")
    if output.is_dir():
        raise ConfigError(f"cannot write the report to {output}: it is a folder")


def _profile(settings: Settings, name: str | None, config: Path | None) -> Profile | None:
    if name is None:
        return None
    found = settings.profiles.get(name)
    if found is None:
        if config is None:
            raise ConfigError(f"no profile '{name}': no --config given and "
                              f"{user_config_file()} does not exist")
        known = ", ".join(sorted(settings.profiles)) or "none"
        raise ConfigError(f"no profile '{name}' in {config}; profiles there: {known}")
    return found


def _format_from_name(path: Path) -> str:
    """The format the ``-o`` file's extension names (none: JSON); an unknown one is refused."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix in ("", "txt"):
        return "table" if suffix == "txt" else "json"
    raise click.BadParameter(
        f"cannot tell the report format from {path.name!r}: name the file .json, .jsonl, .csv "
        "or .txt, or give --format", param_hint="-o/--output")
