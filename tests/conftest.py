"""Shared fixtures: the public corpus in ../shared (optional) and the servers .ci/run starts."""

from __future__ import annotations

import dataclasses
import os
import shlex
from pathlib import Path

import pytest

from classifiers.base import Candidate
from scanner.models import Detection, Finding, Location, TextUnit

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
STATE_ENV = ROOT / ".ci" / "state" / "env"


def _server_env() -> dict[str, str]:
    env: dict[str, str] = {}
    if STATE_ENV.exists():
        for line in STATE_ENV.read_text().splitlines():
            line = line.strip()
            if line.startswith("export ") and "=" in line:
                key, _, value = line[len("export ") :].partition("=")
                env[key] = shlex.split(value)[0] if value else ""
    return env


@pytest.fixture(scope="session")
def server_env() -> dict[str, str]:
    return _server_env()


def require_server(var: str) -> str:
    """The value of a server variable from .ci/state/env (or the environment).

    Under CI a missing server is a failure, never a silent skip; elsewhere the test is skipped.
    """
    value = os.environ.get(var) or _server_env().get(var)
    if value:
        return value
    if os.environ.get("CI"):
        pytest.fail(f"{var} is not set: .ci/servers.sh did not start its server")
    pytest.skip(f"{var} not set (run `bash .ci/servers.sh start` first)")


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
    """Keep the installation secret and default inventory out of the user's home."""
    home = tmp_path_factory.getbasetemp() / "piiscout-home"
    monkeypatch.setenv("PIISCOUT_HOME", str(home))
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
