"""Which classifiers run, in which order.

Pattern classifiers first (one multi-pattern pass), then spaCy NER, then unit classifiers, then
record classifiers with linkage last: linkage decides whether special-category data is tied to an
identified person, so it must see every other detection. Every module is imported strictly: a
classifier module that fails to import is a bug, not something to skip.
"""

from __future__ import annotations

from classifiers import (
    call_records,
    column_names,
    devices,
    document_kinds,
    forms,
    linkage,
    national_ids,
    pii,
    special_categories,
)
from classifiers.ner import SpacyNer
from scanner.settings import ClassifySettings

# Module order is the order unit / record classifiers run in; linkage stays last.
MODULES = (pii, national_ids, forms, devices, call_records, special_categories, column_names,
           linkage, document_kinds)


def classifier_classes() -> list[type]:
    """Every classifier class, in run order (NER excluded: it needs settings)."""
    out: list[type] = []
    for module in MODULES:
        out.extend(module.CLASSIFIERS)
    return out


def default_classifiers(settings: ClassifySettings) -> list[object]:
    """Fresh instances of every classifier the settings enable."""
    out: list[object] = [cls() for cls in classifier_classes()]
    if settings.ner:
        out.insert(len(pii.CLASSIFIERS), SpacyNer(settings.spacy_model))
    if settings.recognizers:  # the user's recognizers in Presidio's YAML format
        from classifiers.custom_yaml import load_classifiers

        out.extend(load_classifiers(settings.recognizers))
    return out


def classifier_ids(settings: ClassifySettings) -> list[str]:
    return [c.id for c in default_classifiers(settings)]  # type: ignore[attr-defined]
