"""The real servers .ci/servers.sh starts on loopback, as the tests see them."""

from __future__ import annotations

import os
import shlex

import pytest

from tests.helpers.paths import STATE_ENV


def read_server_env() -> dict[str, str]:
    """The variables .ci/servers.sh wrote to .ci/state/env (empty when it has not run)."""
    env: dict[str, str] = {}
    if STATE_ENV.exists():
        for line in STATE_ENV.read_text().splitlines():
            line = line.strip()
            if line.startswith("export ") and "=" in line:
                key, _, value = line[len("export ") :].partition("=")
                env[key] = shlex.split(value)[0] if value else ""
    return env


def require_server(var: str) -> str:
    """The value of a server variable from .ci/state/env (or the environment).

    Under CI a missing server is a failure, never a silent skip; elsewhere the test is skipped.
    """
    value = os.environ.get(var) or read_server_env().get(var)
    if value:
        return value
    if os.environ.get("CI"):
        pytest.fail(f"{var} is not set: .ci/servers.sh did not start its server")
    pytest.skip(f"{var} not set (run `bash .ci/servers.sh start` first)")
