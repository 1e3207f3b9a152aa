"""Shared fixtures: the public corpus in ../shared (optional) and the servers .ci/run starts.

Paths are in tests/helpers/paths.py, server variables in tests/helpers/servers.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from classifiers.base import Candidate
from scanner.models import Detection, Finding, Location, TextUnit
from tests.helpers.paths import SHARED
from tests.helpers.servers import read_server_env

# Fixtures shared across the tree live in tests/helpers and are registered here once:
# db_url (inventory on SQLite and PostgreSQL), aws_env/endpoint/bucket (S3 on moto), home (web).
pytest_plugins = ("tests.helpers.database", "tests.helpers.inventory", "tests.helpers.s3",
                  "tests.helpers.web")


@pytest.fixture(scope="session")
def server_env() -> dict[str, str]:
    return read_server_env()


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """../shared/corpus, or skip: a user's clone has no ../shared."""
    path = SHARED / "corpus"
    if not path.is_dir():
        pytest.skip("../shared/corpus is not present")
    return path


@pytest.fixture(scope="session")
def shared_policies() -> Path:
    path = SHARED / "policies"
    if not path.is_dir():
        pytest.skip("../shared/policies is not present")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the installation secret, the default inventory and the compiled-pattern cache out of
    the user's home (the cache is shared by the session's tests, as by a user's scans)."""
    home = tmp_path_factory.getbasetemp() / "piiscout-home"
    monkeypatch.setenv("PIISCOUT_HOME", str(home))
    monkeypatch.setenv("PIISCOUT_HS_CACHE", str(tmp_path_factory.getbasetemp() / "hs-cache"))
    monkeypatch.setenv("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


# The classes built per unit and per match are plain dataclasses for speed (see scanner/models.py);
# under test, assigning to or deleting one of their fields raises, as it would if they were frozen.
IMMUTABLE = (Location, TextUnit, Detection, Finding, Candidate)


def _forbid_changes(cls: type) -> None:
    def __setattr__(self: object, name: str, value: object) -> None:
        if name in vars(self):
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: object, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    cls.__setattr__ = __setattr__  # type: ignore[method-assign,assignment]
    cls.__delattr__ = __delattr__  # type: ignore[method-assign,assignment]


for _cls in IMMUTABLE:
    _forbid_changes(_cls)
