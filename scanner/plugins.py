"""One registry of plugins over entry-point groups.

piiscout's own classifiers, connectors and output formats are registered in ``pyproject.toml``
exactly as a third party's would be::

    [project.entry-points."piiscout.classifiers"]
    PII-VIN = "classifiers.vin:VinClassifier"

Groups and what an entry point's name means there:

* ``piiscout.classifiers``: the classifier's ``id`` (checked against the class's ``id``); the class
  may set ``order`` (an int: lower runs first inside its stage, see :func:`classifiers.registry`);
* ``piiscout.connectors``: a URL scheme (``s3``, ``postgresql``; ``file`` also serves plain paths),
  the table fsspec keeps in ``known_implementations``: the connector's module is imported only when
  a target of that scheme is scanned, and a missing optional dependency is an error naming what to
  install;
* ``piiscout.formats``: ``<report>.<format>``, report being ``scan`` (a writer of a whole scan
  result), ``stream`` (a writer class fed finding by finding) or ``inventory`` (a writer of an
  inventory report); every writer has one signature, ``write(report, stream, *, color)``;
* ``piiscout.stages``: reserved for post-scan stages.

Rules: a name registered twice fails loudly, naming both sources; an entry point that cannot be
imported is an error naming it (the project's own are never skipped); when piiscout's own entry
points are missing (the package was never installed, only put on ``sys.path``) that is an error
too, so a scan never runs silently without its classifiers.

This module is the bottom layer: it imports only the standard library.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from importlib import metadata
from typing import Any

PROJECT = "piiscout"
CLASSIFIERS = "piiscout.classifiers"
CONNECTORS = "piiscout.connectors"
FORMATS = "piiscout.formats"
STAGES = "piiscout.stages"
GROUPS = (CLASSIFIERS, CONNECTORS, FORMATS, STAGES)
# Groups piiscout itself always registers something in.
_OWN_GROUPS = (CLASSIFIERS, CONNECTORS, FORMATS)


class PluginError(Exception):
    """A plugin that cannot be registered or loaded: the message names it and its source."""


@dataclass(frozen=True)
class Plugin:
    """One registered entry point (not yet imported)."""

    group: str
    name: str
    value: str  # "module:attribute"
    source: str  # the distribution that registered it, "name version"
    extras: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.value.partition(":")[0].strip()

    @property
    def attr(self) -> str:
        return self.value.partition(":")[2].split("[", 1)[0].strip()

    @property
    def distribution(self) -> str:
        return self.source.split(" ", 1)[0]

    def describe(self) -> str:
        return f"{self.name!r} = {self.value!r} from {self.source}"

    def load(self) -> Any:
        """Import the object; any failure is a :class:`PluginError` naming this entry point."""
        return _load(self)


@functools.cache
def _load(plugin: Plugin) -> Any:
    try:
        obj: Any = importlib.import_module(plugin.module)
        for part in plugin.attr.split(".") if plugin.attr else ():
            obj = getattr(obj, part)
    except ModuleNotFoundError as exc:
        missing = exc.name or str(exc)
        hint = install_hint(plugin, missing)
        raise PluginError(
            f"plugin {plugin.describe()} (group {plugin.group}) cannot be imported: "
            f"module {missing!r} is missing{hint}"
        ) from exc
    except Exception as exc:  # a plugin's import error is reported, never skipped
        raise PluginError(
            f"plugin {plugin.describe()} (group {plugin.group}) cannot be loaded: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return obj


def install_hint(plugin: Plugin, missing: str) -> str:
    """What to install for a plugin whose import misses ``missing`` (fsspec's ``err`` text)."""
    top = missing.split(".", 1)[0]
    if top == plugin.module.split(".", 1)[0]:
        return ""  # the plugin's own module is missing: a broken installation, not a dependency
    if plugin.extras:
        return f"; install it with: pip install '{plugin.distribution}[{','.join(plugin.extras)}]'"
    return f"; install the package that provides {top!r}"


def _source(ep: metadata.EntryPoint, seen: dict[int, str]) -> str:
    """The distribution that registered ``ep``, named once per distribution in ``seen`` (each
    name and version parses the distribution's METADATA again)."""
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "an unknown distribution"
    if id(dist) not in seen:
        seen[id(dist)] = f"{dist.name} {dist.version}"
    return seen[id(dist)]


@functools.cache
def _all_entry_points() -> Any:  # EntryPoints; SelectableGroups on Python 3.11
    """Every installed entry point, read once per process (each reading walks every
    distribution on the path: 30 ms, three times per scan)."""
    return metadata.entry_points()


@functools.cache
def plugins(group: str) -> dict[str, Plugin]:
    """Every entry point of ``group`` by name; nothing is imported. The order means nothing
    (installers sort entry points): where order matters the plugin says it (``order``).

    Raises :class:`PluginError` for a name registered twice and when piiscout's own
    registrations are missing.
    """
    out: dict[str, Plugin] = {}
    sources: dict[int, str] = {}
    for ep in _all_entry_points().select(group=group):
        plugin = Plugin(group, ep.name, ep.value, _source(ep, sources), tuple(ep.extras))
        if ep.name in out:
            raise PluginError(
                f"{group}: {ep.name!r} is registered twice: {out[ep.name].describe()} and "
                f"{plugin.describe()}; uninstall one of them"
            )
        out[ep.name] = plugin
    if group in _OWN_GROUPS and not any(p.distribution == PROJECT for p in out.values()):
        raise PluginError(
            f"no {group} entry points of {PROJECT} are installed: install the package "
            "(pip install -e . in a checkout) so that its plugins are registered"
        )
    return out


def load_all(group: str) -> dict[str, Any]:
    """Every plugin of ``group`` imported, by name. The first that fails is an error."""
    return {name: p.load() for name, p in plugins(group).items()}


def get(group: str, name: str) -> Plugin | None:
    return plugins(group).get(name)


def clear_cache() -> None:
    """Forget what was read (after ``sys.path`` changed: tests, a plugin installed meanwhile)."""
    plugins.cache_clear()
    _all_entry_points.cache_clear()
    _load.cache_clear()
    importlib.invalidate_caches()  # also importlib.metadata's cache of sys.path folders
