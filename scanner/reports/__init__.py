"""Report formats: one registry, the ``piiscout.formats`` entry points, and one signature::

    write(report, stream: TextIO, *, color: bool) -> None

``report`` is a :class:`~scanner.models.ScanResult` for a ``scan.NAME`` format and an
:class:`~scanner.inventory.views.InventoryReport` for an ``inventory.NAME`` one; a
``stream.NAME`` entry is a class built as ``cls(stream)`` that is given each finding while the
scan runs and the result at its end (memory does not grow with the findings). Adding a format is
one small module and one line in ``pyproject.toml``'s ``[project.entry-points."piiscout.formats"]``.
"""

from __future__ import annotations

from typing import Any, Protocol, TextIO

from scanner import plugins
from scanner.models import Finding, ScanResult

SCAN = "scan"
STREAM = "stream"
INVENTORY = "inventory"
REPORTS = (SCAN, STREAM, INVENTORY)


def formats(report: str) -> dict[str, str]:
    """Format name -> ``module:attribute`` of one kind of report (nothing imported)."""
    prefix = report + "."
    return {
        name[len(prefix):]: p.value
        for name, p in sorted(plugins.plugins(plugins.FORMATS).items())
        if name.startswith(prefix)
    }


def load(report: str, name: str) -> Any:
    """The writer (or stream class) of format ``name`` for ``report``: a :class:`KeyError` when
    there is none, a :class:`~scanner.plugins.PluginError` when it cannot be imported."""
    plugin = plugins.get(plugins.FORMATS, f"{report}.{name}")
    if plugin is None:
        raise KeyError(f"no {report} format {name!r} (known: {', '.join(formats(report))})")
    return plugin.load()


# The names scanner/cli/scan.py and the tests use: scan formats and streaming scan formats.
FORMATS: dict[str, str] = formats(SCAN)
STREAMING: dict[str, str] = formats(STREAM)


class StreamWriter(Protocol):
    def finding(self, f: Finding) -> None: ...

    def end(self, result: ScanResult) -> None: ...


def stream_writer(name: str, stream: TextIO) -> StreamWriter:
    return load(STREAM, name)(stream)


class Formatter(Protocol):
    def __call__(self, report: Any, stream: TextIO, /, *, color: bool) -> None: ...


def formatter(name: str, report: str = SCAN) -> Formatter:
    return load(report, name)
