"""Which classifiers run, in which order: the ``piiscout.classifiers`` entry points.

Every classifier, piiscout's own included, is registered in ``pyproject.toml``::

    [project.entry-points."piiscout.classifiers"]
    PII-EMAIL = "classifiers.pii:EmailClassifier"

The entry point's name is the classifier's ``id``. The engine runs pattern classifiers first (one
multi-pattern pass), then spaCy NER, then unit classifiers, then record classifiers with linkage
last (it decides whether special-category data is tied to an identified person, so it must see
every other detection), then whole-document classifiers; inside each stage classifiers run by
their ``order`` attribute (lower first; :data:`DEFAULT_ORDER` when the class sets none, i.e.
after piiscout's own), then by id. A classifier class that needs settings has a classmethod
``from_settings(settings)`` returning an instance, or ``None`` when the settings turn it off
(spaCy NER); the others are built with no arguments. A classifier that fails to import is an
error naming its entry point, never skipped (:mod:`scanner.plugins`).
"""

from __future__ import annotations

from typing import Any

from classifiers.base import PatternClassifier
from scanner import plugins
from scanner.settings import ClassifySettings

DEFAULT_ORDER = 1000


def order_of(cls: type) -> tuple[int, str]:
    return int(getattr(cls, "order", DEFAULT_ORDER)), str(getattr(cls, "id", ""))


def registered() -> list[tuple[plugins.Plugin, type]]:
    """Every registered classifier class with its entry point, in run order.

    Raises :class:`~scanner.plugins.PluginError` for a class whose ``id`` is not the name it is
    registered under (ids are used in output, config and suppressions: they must be stable).
    """
    out: list[tuple[plugins.Plugin, type]] = []
    for plugin in plugins.plugins(plugins.CLASSIFIERS).values():
        cls = plugin.load()
        if not isinstance(cls, type):
            raise plugins.PluginError(f"classifier {plugin.describe()} is not a class")
        if getattr(cls, "id", None) != plugin.name:
            raise plugins.PluginError(
                f"classifier {plugin.describe()} has id {getattr(cls, 'id', None)!r}: register "
                "it under its id"
            )
        out.append((plugin, cls))
    out.sort(key=lambda pc: order_of(pc[1]))
    return out


def needs_settings(cls: type) -> bool:
    return callable(getattr(cls, "from_settings", None))


def classifier_classes() -> list[type]:
    """Every classifier class, in run order (NER excluded: it needs settings)."""
    return [cls for _, cls in registered() if not needs_settings(cls)]


def instantiate(cls: type, settings: ClassifySettings) -> Any | None:
    """An instance of ``cls`` for these settings, or ``None`` when they turn it off."""
    if needs_settings(cls):
        return cls.from_settings(settings)  # type: ignore[attr-defined]
    return cls()


def default_classifiers(settings: ClassifySettings) -> list[object]:
    """Fresh instances of every classifier the settings enable."""
    out: list[object] = []
    for _, cls in registered():
        instance = instantiate(cls, settings)
        if instance is not None:
            out.append(instance)
    if settings.recognizers:  # the user's recognizers in Presidio's YAML format
        from classifiers.custom_yaml import load_classifiers

        out.extend(load_classifiers(settings.recognizers))
    return out


def stage_of(cls: type) -> str:
    """The engine stage a classifier class runs in (classifiers/engine.py sorts them so)."""
    if issubclass(cls, PatternClassifier):
        return "pattern"
    if hasattr(cls, "classify_item"):
        return "item"
    if hasattr(cls, "classify_record"):
        return "record"
    if hasattr(cls, "classify"):
        return "unit"
    return "ner" if hasattr(cls, "analyze") else "?"


def classifier_rows(settings: ClassifySettings) -> list[dict[str, Any]]:
    """What ``piiscout classifiers list`` shows: one row per classifier, in run order."""
    enabled = {type(c) for c in default_classifiers(settings)}
    rows = [
        {"id": plugin.name, "stage": stage_of(cls), "order": order_of(cls)[0],
         "entities": sorted(getattr(cls, "entities", {})), "enabled": cls in enabled,
         "source": plugin.source}
        for plugin, cls in registered()
    ]
    if settings.recognizers:
        from classifiers.custom_yaml import load_classifiers

        for c in load_classifiers(settings.recognizers):
            rows.append({"id": c.id, "stage": "pattern", "order": order_of(type(c))[0],
                         "entities": sorted(c.entities), "enabled": True,
                         "source": str(settings.recognizers)})
    return rows


def classifier_ids(settings: ClassifySettings) -> list[str]:
    return [c.id for c in default_classifiers(settings)]  # type: ignore[attr-defined]
