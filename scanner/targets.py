"""What a scan target looks like in output: never with credentials."""

from __future__ import annotations

from scanner.urls import redact_url


def display_target(target: str) -> str:
    """The target without ``user:password@`` and with secret query values masked.

    One redaction for every uri that is stored, printed or logged: :func:`scanner.urls.redact_url`.
    """
    return redact_url(target)
