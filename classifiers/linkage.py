"""Placeholder: filled in by its owner."""

CLASSIFIERS: tuple[type, ...] = ()
